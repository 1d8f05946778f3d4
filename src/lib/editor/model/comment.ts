import { z } from 'zod';
import { newId, type RecordId } from './ids';
import type { RecordKind } from './record-map';

export const COMMENT_MAX_LENGTH = 4000;

export const commentSchema = z.object({
  id: z.string().min(1).max(64),
  authorId: z.string().max(64),
  authorName: z.string().max(64),
  body: z.string().trim().min(1, 'A comment needs text.').max(COMMENT_MAX_LENGTH, `A comment has at most ${COMMENT_MAX_LENGTH} characters.`),
  createdAt: z.number().int().nonnegative(),
  resolved: z.boolean().default(false)
});
export type Comment = z.infer<typeof commentSchema> & { id: RecordId | string };

export const commentKind: RecordKind<Comment> = { collection: 'comments', schema: commentSchema };

export function newComment(input: { authorId: string; authorName: string; body: string; createdAt?: number }): Comment {
  return {
    id: newId<RecordId>(),
    authorId: input.authorId,
    authorName: input.authorName,
    body: input.body.trim(),
    createdAt: input.createdAt ?? Date.now(),
    resolved: false
  };
}
