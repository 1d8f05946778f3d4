import type { Kysely } from 'kysely';
import type { Role } from '$lib/editor/model/role';
import type { Database, ProjectRow } from '../db/schema';

export interface ProjectWithRole extends ProjectRow {
  role: Role;
}

export interface MemberRow {
  user_id: string;
  username: string;
  display_name: string;
  color: string;
  role: Role;
  created_at: number;
}

export class ProjectRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(project: ProjectRow, ownerId: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.insertInto('projects').values(project).execute();
      await tx.insertInto('project_members').values({ project_id: project.id, user_id: ownerId, role: 'owner', created_at: project.created_at }).execute();
    });
  }

  findById(id: string): Promise<ProjectRow | undefined> {
    return this.db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForUser(userId: string): Promise<ProjectWithRole[]> {
    return this.db
      .selectFrom('projects')
      .innerJoin('project_members', 'project_members.project_id', 'projects.id')
      .selectAll('projects')
      .select('project_members.role')
      .where('project_members.user_id', '=', userId)
      .orderBy('projects.updated_at', 'desc')
      .execute();
  }

  async roleOf(projectId: string, userId: string): Promise<Role | null> {
    const row = await this.db
      .selectFrom('project_members')
      .select('role')
      .where('project_id', '=', projectId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }

  async setViewerUploads(id: string, allowed: boolean, at: number): Promise<void> {
    await this.db.updateTable('projects').set({ viewer_uploads: allowed ? 1 : 0, updated_at: at }).where('id', '=', id).execute();
  }

  async rename(id: string, name: string, at: number): Promise<void> {
    await this.db.updateTable('projects').set({ name, updated_at: at }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    // Children first: PostgreSQL and SQLite both cascade, but this keeps it explicit for either.
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('doc_updates').where('project_id', '=', id).execute();
      await tx.deleteFrom('doc_snapshots').where('project_id', '=', id).execute();
      await tx.deleteFrom('project_members').where('project_id', '=', id).execute();
      await tx.deleteFrom('projects').where('id', '=', id).execute();
    });
  }

  listMembers(projectId: string): Promise<MemberRow[]> {
    return this.db
      .selectFrom('project_members')
      .innerJoin('users', 'users.id', 'project_members.user_id')
      .select(['users.id as user_id', 'users.username', 'users.display_name', 'users.color', 'project_members.role', 'project_members.created_at'])
      .where('project_members.project_id', '=', projectId)
      .orderBy('project_members.created_at', 'asc')
      .execute();
  }

  /** Adds the member or changes their role. */
  async upsertMember(projectId: string, userId: string, role: Role, at: number): Promise<void> {
    await this.db
      .insertInto('project_members')
      .values({ project_id: projectId, user_id: userId, role, created_at: at })
      .onConflict((oc) => oc.columns(['project_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  async removeMember(projectId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('project_members').where('project_id', '=', projectId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
