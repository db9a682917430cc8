//! Snippet variables: `{{contact.name}}`-style placeholders filled from the
//! conversation a library item is inserted into. A variable that is unknown, or whose
//! value is missing (a contact without a name), is left as written so the agent sees
//! what still needs filling.

/// The values a snippet may use; `None` leaves its variable as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateValues {
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub agent_name: Option<String>,
    pub conversation_id: Option<String>,
    pub conversation_subject: Option<String>,
}

/// The variables [`fill`] knows, as written between the braces.
pub const VARIABLES: &[&str] = &[
    "contact.name",
    "contact.first_name",
    "contact.email",
    "agent.name",
    "agent.first_name",
    "conversation.id",
    "conversation.subject",
];

/// The first word of a name (`Ana Lima` → `Ana`).
fn first_name(name: &str) -> Option<String> {
    name.split_whitespace().next().map(str::to_owned)
}

impl TemplateValues {
    /// The value of one variable, if it is known and has one.
    pub fn get(&self, variable: &str) -> Option<String> {
        match variable {
            "contact.name" => self.contact_name.clone(),
            "contact.first_name" => self.contact_name.as_deref().and_then(first_name),
            "contact.email" => self.contact_email.clone(),
            "agent.name" => self.agent_name.clone(),
            "agent.first_name" => self.agent_name.as_deref().and_then(first_name),
            "conversation.id" => self.conversation_id.clone(),
            "conversation.subject" => self.conversation_subject.clone(),
            _ => None,
        }
    }
}

/// `text` with every `{{ variable }}` (spaces inside the braces allowed) replaced by
/// its value. Values are inserted as they are and never scanned again, so a contact
/// named `{{agent.name}}` stays that text.
pub fn fill(text: &str, values: &TemplateValues) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        // A nested `{{` means this opening brace pair is text: keep it, continue after it.
        if inner.contains("{{") {
            out.push_str("{{");
            rest = after;
            continue;
        }
        match values.get(inner.trim()) {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> TemplateValues {
        TemplateValues {
            contact_name: Some("Hana Sato".into()),
            contact_email: Some("hana@example.com".into()),
            agent_name: Some("Ana Lima".into()),
            conversation_id: Some("42".into()),
            conversation_subject: Some("Refund".into()),
        }
    }

    #[test]
    fn every_known_variable_is_filled() {
        let text = "Hi {{contact.first_name}} ({{contact.name}}, {{contact.email}}), \
                    {{agent.first_name}} / {{agent.name}} on #{{conversation.id}} {{conversation.subject}}";
        assert_eq!(
            fill(text, &values()),
            "Hi Hana (Hana Sato, hana@example.com), Ana / Ana Lima on #42 Refund"
        );
        for v in VARIABLES {
            assert!(values().get(v).is_some(), "{v}");
        }
    }

    #[test]
    fn spaces_inside_braces_are_allowed() {
        assert_eq!(fill("Hi {{ contact.name }}!", &values()), "Hi Hana Sato!");
    }

    #[test]
    fn unknown_variables_and_missing_values_stay_as_written() {
        assert_eq!(
            fill("{{contact.phone}} {{nope}}", &values()),
            "{{contact.phone}} {{nope}}"
        );
        let empty = TemplateValues::default();
        assert_eq!(
            fill("Hi {{contact.first_name}}", &empty),
            "Hi {{contact.first_name}}"
        );
    }

    #[test]
    fn unclosed_and_nested_braces_are_text() {
        assert_eq!(fill("a {{contact.name", &values()), "a {{contact.name");
        assert_eq!(fill("{{ {{contact.name}} }}", &values()), "{{ Hana Sato }}");
        assert_eq!(fill("no variables", &values()), "no variables");
        assert_eq!(fill("", &values()), "");
    }

    #[test]
    fn values_are_not_filled_again() {
        let tricky = TemplateValues {
            contact_name: Some("{{agent.name}}".into()),
            ..values()
        };
        assert_eq!(fill("{{contact.name}}", &tricky), "{{agent.name}}");
    }

    #[test]
    fn multibyte_text_around_variables_survives() {
        assert_eq!(
            fill("Olá {{contact.first_name}} — até já ✓", &values()),
            "Olá Hana — até já ✓"
        );
    }
}
