export const ROLES = ['owner', 'editor', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may change the project document. */
export function canEdit(role: Role | null | undefined): boolean {
  return role === 'owner' || role === 'editor';
}

export function canManage(role: Role | null | undefined): boolean {
  return role === 'owner';
}
