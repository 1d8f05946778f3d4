import type { Role } from './editor/model/role';

/** Projects and members as the API and the pages see them. */
export interface ProjectView {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
  /** Viewers may upload; their uploads wait for approval. */
  viewerUploads: boolean;
}

export interface MemberView {
  userId: string;
  username: string;
  displayName: string;
  color: string;
  role: Role;
}
