//! The Tickets section of the contact column: a conversation's tickets as the thread
//! pane lists them, and the stage and priority choices of its create and edit form.
//!
//! Pure view models: the handler fetches the tickets through `App` (so only tickets of
//! inboxes the reader sees appear) and passes them in.

use super::view::{Avatar, Directory, TimeView};
use switchboard_domain::*;

/// A value of a `<select>` with its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// The stage select, in workflow order.
pub const STAGES: [Choice; 4] = [
    Choice {
        value: "new",
        label: "New",
    },
    Choice {
        value: "waiting_on_contact",
        label: "Waiting on contact",
    },
    Choice {
        value: "waiting_on_us",
        label: "Waiting on us",
    },
    Choice {
        value: "closed",
        label: "Closed",
    },
];

/// The priority select, least urgent first.
pub const PRIORITIES: [Choice; 4] = [
    Choice {
        value: "low",
        label: "Low",
    },
    Choice {
        value: "medium",
        label: "Medium",
    },
    Choice {
        value: "high",
        label: "High",
    },
    Choice {
        value: "urgent",
        label: "Urgent",
    },
];

fn label_of(choices: &[Choice], value: &str) -> &'static str {
    choices
        .iter()
        .find(|c| c.value == value)
        .map_or("Unknown", |c| c.label)
}

/// One ticket of the conversation, as its row in the contact column shows it.
#[derive(Debug, Clone)]
pub struct TicketView {
    pub id: TicketId,
    pub subject: String,
    /// The API spelling (`waiting_on_us`), for the pill's colour and the edit form.
    pub stage: &'static str,
    pub stage_label: &'static str,
    pub priority: &'static str,
    pub priority_label: &'static str,
    pub owner: Option<Avatar>,
    /// The owner's id for the edit form; empty when nobody owns it.
    pub owner_id: String,
    pub created: TimeView,
}

impl TicketView {
    pub fn new(t: &Ticket, dir: &Directory) -> Self {
        let stage = t.stage.as_str();
        let priority = t.priority.as_str();
        TicketView {
            id: t.id,
            subject: t.subject.clone(),
            stage,
            stage_label: label_of(&STAGES, stage),
            priority,
            priority_label: label_of(&PRIORITIES, priority),
            owner: t.owner_id.map(|u| dir.user_avatar(u)),
            owner_id: t.owner_id.map(|u| u.to_string()).unwrap_or_default(),
            created: TimeView::full(t.created_at),
        }
    }

    /// Open tickets first (newest first), closed ones last.
    pub fn list(tickets: &[Ticket], dir: &Directory) -> Vec<TicketView> {
        let mut sorted: Vec<&Ticket> = tickets.iter().collect();
        sorted.sort_by_key(|t| {
            (
                t.stage == TicketStage::Closed,
                std::cmp::Reverse(t.created_at),
            )
        });
        sorted
            .into_iter()
            .map(|t| TicketView::new(t, dir))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(id: i64, stage: TicketStage, created_at: i64) -> Ticket {
        Ticket {
            id: TicketId(id),
            account_id: AccountId(1),
            inbox_id: InboxId(1),
            subject: format!("Ticket {id}"),
            stage,
            priority: Priority::High,
            owner_id: Some(UserId(9)),
            conversation_ids: vec![ConversationId(1)],
            created_at,
        }
    }

    #[test]
    fn every_stage_and_priority_has_a_label() {
        for s in TicketStage::ALL {
            assert_ne!(label_of(&STAGES, s.as_str()), "Unknown", "{s:?}");
        }
        for p in Priority::ALL {
            assert_ne!(label_of(&PRIORITIES, p.as_str()), "Unknown", "{p:?}");
        }
    }

    #[test]
    fn open_tickets_come_first_newest_first() {
        let dir = Directory::new(vec![], vec![]);
        let list = TicketView::list(
            &[
                ticket(1, TicketStage::Closed, 30),
                ticket(2, TicketStage::New, 10),
                ticket(3, TicketStage::WaitingOnUs, 20),
            ],
            &dir,
        );
        let ids: Vec<i64> = list.iter().map(|t| t.id.0).collect();
        assert_eq!(ids, [3, 2, 1]);
        assert_eq!(list[0].stage_label, "Waiting on us");
        assert_eq!(list[0].priority_label, "High");
        assert_eq!(list[0].owner_id, "9");
        assert_eq!(
            list[0].owner.as_ref().map(|a| a.name.as_str()),
            Some("Former teammate")
        );
    }
}
