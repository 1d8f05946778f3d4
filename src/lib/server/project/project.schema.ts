import { z } from 'zod';

export const projectNameSchema = z
  .string({ error: 'name is required' })
  .trim()
  .min(1, 'A project needs a name.')
  .max(120, 'A project name has at most 120 characters.');

export const createProjectSchema = z.object({ name: projectNameSchema });
export const renameProjectSchema = z.object({ name: projectNameSchema });
export const updateProjectSchema = z
  .object({ name: projectNameSchema.optional(), viewerUploads: z.boolean({ error: 'viewerUploads is true or false' }).optional() })
  .refine((v) => v.name !== undefined || v.viewerUploads !== undefined, 'Send name and/or viewerUploads.');
export const addMemberSchema = z.object({
  username: z.string({ error: 'username is required' }).trim().min(1, 'username is required').max(64),
  role: z.enum(['editor', 'viewer'], { error: 'role must be "editor" or "viewer"' })
});
export const changeRoleSchema = z.object({ role: z.enum(['editor', 'viewer'], { error: 'role must be "editor" or "viewer"' }) });
