// What `switchboard serve --demo` seeds, as the tests rely on it. Keep in step with the
// server's demo data; a mismatch shows up as a login or "no inbox" failure.

export const PASSWORD = 'switchboard-demo';

export const USERS = {
  ana: 'ana@acme.test', // admin, service seat; member of Support and Sales
  ben: 'ben@acme.test', // agent, service seat; member of Support and Sales
  olga: 'olga@acme.test',
  chen: 'chen@acme.test', // core seat
  dara: 'dara@acme.test', // core seat
  eli: 'eli@acme.test',
};

export const INBOXES = ['Support', 'Sales', 'Billing'];
