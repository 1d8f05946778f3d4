import { newId, isId } from '$lib/editor/model/ids';
import { canEdit, canManage, type Role } from '$lib/editor/model/role';
import type { UserRow } from '../db/schema';
import type { UserRepository } from '../auth/user.repository';
import { badRequest, forbidden, notFound } from '../http/api-error';
import type { MemberRow, ProjectRepository } from './project.repository';
import type { MemberView, ProjectView } from '$lib/project';

export type { ProjectView, MemberView };

export type ProjectEvent =
  | { type: 'renamed'; projectId: string; name: string }
  | { type: 'deleted'; projectId: string }
  | { type: 'members'; projectId: string; members: MemberView[] }
  | { type: 'member-removed'; projectId: string; userId: string };

const toMember = (m: MemberRow): MemberView => ({ userId: m.user_id, username: m.username, displayName: m.display_name, color: m.color, role: m.role });

/** Projects and their members. Every method checks the caller's role before it touches a repository. */
export class ProjectService {
  private listeners = new Set<(e: ProjectEvent) => void>();

  constructor(
    private readonly projects: ProjectRepository,
    private readonly users: UserRepository,
    private readonly now: () => number = Date.now
  ) {}

  /** Realtime layers subscribe to push renames, deletions and membership changes to open sessions. */
  onEvent(fn: (e: ProjectEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: ProjectEvent) {
    for (const fn of this.listeners) fn(e);
  }

  async create(user: UserRow, name: string): Promise<ProjectView> {
    const t = this.now();
    const id = newId();
    await this.projects.create({ id, name, created_by: user.id, created_at: t, updated_at: t, viewer_uploads: 0 }, user.id);
    return { id, name, role: 'owner', createdAt: new Date(t).toISOString(), updatedAt: new Date(t).toISOString(), viewerUploads: false };
  }

  async list(user: UserRow): Promise<ProjectView[]> {
    const rows = await this.projects.listForUser(user.id);
    return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(), viewerUploads: r.viewer_uploads === 1 }));
  }

  /** The caller's role in the project; 404 (not 403) for non-members so ids cannot be probed. */
  async requireRole(userId: string, projectId: string): Promise<Role> {
    if (!isId(projectId)) throw notFound('No such project.');
    const role = await this.projects.roleOf(projectId, userId);
    if (!role) throw notFound('No such project, or you are not a member of it.');
    return role;
  }

  /** The role, or null for non-members and unknown projects (for the realtime layers). */
  async roleOf(userId: string, projectId: string): Promise<Role | null> {
    if (!isId(projectId)) return null;
    return this.projects.roleOf(projectId, userId);
  }

  async viewerUploadsAllowed(projectId: string): Promise<boolean> {
    return (await this.projects.findById(projectId))?.viewer_uploads === 1;
  }

  /** Callers check that the user is the owner (the asset service does, since it decides upload status). */
  async setViewerUploads(projectId: string, allowed: boolean): Promise<void> {
    await this.projects.setViewerUploads(projectId, allowed, this.now());
  }

  async get(user: UserRow, projectId: string): Promise<ProjectView> {
    const role = await this.requireRole(user.id, projectId);
    const p = await this.projects.findById(projectId);
    if (!p) throw notFound('No such project.');
    return { id: p.id, name: p.name, role, createdAt: new Date(p.created_at).toISOString(), updatedAt: new Date(p.updated_at).toISOString(), viewerUploads: p.viewer_uploads === 1 };
  }

  async rename(user: UserRow, projectId: string, name: string): Promise<ProjectView> {
    const role = await this.requireRole(user.id, projectId);
    if (!canEdit(role)) throw forbidden('Viewers cannot rename a project: ask the owner for the editor role.');
    await this.projects.rename(projectId, name, this.now());
    this.emit({ type: 'renamed', projectId, name });
    return this.get(user, projectId);
  }

  async delete(user: UserRow, projectId: string): Promise<void> {
    const role = await this.requireRole(user.id, projectId);
    if (!canManage(role)) throw forbidden('Only the owner can delete a project.');
    await this.projects.delete(projectId);
    this.emit({ type: 'deleted', projectId });
  }

  async members(user: UserRow, projectId: string): Promise<MemberView[]> {
    await this.requireRole(user.id, projectId);
    return (await this.projects.listMembers(projectId)).map(toMember);
  }

  /** Members without an access check: for server-side rules (chat nicknames may not copy a member's name). */
  async membersOf(projectId: string): Promise<MemberView[]> {
    return (await this.projects.listMembers(projectId)).map(toMember);
  }

  async addMember(user: UserRow, projectId: string, username: string, role: 'editor' | 'viewer'): Promise<MemberView[]> {
    const myRole = await this.requireRole(user.id, projectId);
    if (!canManage(myRole)) throw forbidden('Only the owner can invite members.');
    const invitee = await this.users.findByUsername(username);
    if (!invitee) throw badRequest(`No user is called "${username}": they need to sign up first.`, 'unknown_user');
    const current = await this.projects.roleOf(projectId, invitee.id);
    if (current === 'owner') throw badRequest('The owner\'s role cannot be changed.', 'owner_role');
    await this.projects.upsertMember(projectId, invitee.id, role, this.now());
    const members = (await this.projects.listMembers(projectId)).map(toMember);
    this.emit({ type: 'members', projectId, members });
    return members;
  }

  async removeMember(user: UserRow, projectId: string, username: string): Promise<MemberView[]> {
    const myRole = await this.requireRole(user.id, projectId);
    const target = await this.users.findByUsername(username);
    const self = target?.id === user.id;
    if (!canManage(myRole) && !self) throw forbidden('Only the owner can remove members.');
    if (!target) throw notFound(`No member is called "${username}".`);
    const targetRole = await this.projects.roleOf(projectId, target.id);
    if (!targetRole) throw notFound(`"${username}" is not a member of this project.`);
    if (targetRole === 'owner') throw badRequest('The owner cannot leave or be removed: delete the project instead.', 'owner_role');
    await this.projects.removeMember(projectId, target.id);
    const members = (await this.projects.listMembers(projectId)).map(toMember);
    this.emit({ type: 'member-removed', projectId, userId: target.id });
    this.emit({ type: 'members', projectId, members });
    return members;
  }
}
