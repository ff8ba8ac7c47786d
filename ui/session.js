// Who is logged in: the API token's name and role (GET /v1/auth/whoami), and what the
// role may do. The UI hides what a role may not do; the server decides (403 otherwise).

const RANKS = { viewer: 1, operator: 2, admin: 3 };
const ROLES = { ROLE_VIEWER: "viewer", ROLE_OPERATOR: "operator", ROLE_ADMIN: "admin" };

/** The current session: {name, role} once logged in, null otherwise. */
export const session = { current: null };

/** Set the session from a WhoAmI answer (an ApiToken); returns it. */
export function begin(apiToken) {
  session.current = { name: apiToken.name || apiToken.tokenId || "unnamed token", role: ROLES[apiToken.role] ?? "" };
  return session.current;
}

export function end() {
  session.current = null;
}

/**
 * Whether the logged-in role includes `role`: can("operator") for commands to chargers
 * and id tag changes, can("admin") for chargers' lifecycle, security and the audit log.
 */
export function can(role) {
  return (RANKS[session.current?.role] ?? 0) >= RANKS[role];
}
