import { z } from 'zod';
import { newId, type RecordId } from './ids';
import type { RecordKind } from './record-map';

export const COMMENT_MAX_LENGTH = 4000;

/**
 * A comment pinned to a moment of a timeline clip. The source time (not the timeline time) is what it is about, so it
 * follows the clip when the clip moves, is trimmed or split; `time` is where it was, kept for when the clip is deleted.
 */
export const commentAnchorSchema = z.object({
  clipId: z.string().min(1).max(64),
  /** The clip's asset (null for a title): after a split, the part that still shows `sourceTime` takes the pin. */
  assetId: z.string().max(64).nullable(),
  /** Seconds into the clip's source (for a title: into the title). */
  sourceTime: z.number().finite().nonnegative(),
  /** Timeline seconds when the comment was written. */
  time: z.number().finite().nonnegative()
});
export type CommentAnchor = z.infer<typeof commentAnchorSchema>;

/** A comment pinned to a point of a brief photo: x and y are 0–1 of its width and height, so the pin fits any size. */
export const photoPinSchema = z.object({
  photoId: z.string().min(1).max(64),
  x: z.number().min(0).max(1),
  y: z.number().min(0).max(1)
});
export type PhotoPin = z.infer<typeof photoPinSchema>;

export const commentSchema = z.object({
  id: z.string().min(1).max(64),
  authorId: z.string().max(64),
  authorName: z.string().max(64),
  body: z.string().trim().min(1, 'A comment needs text.').max(COMMENT_MAX_LENGTH, `A comment has at most ${COMMENT_MAX_LENGTH} characters.`),
  createdAt: z.number().int().nonnegative(),
  resolved: z.boolean().default(false),
  anchor: commentAnchorSchema.nullable().default(null),
  pin: photoPinSchema.nullable().default(null)
});
export type Comment = z.infer<typeof commentSchema> & { id: RecordId | string };

export const commentKind: RecordKind<Comment> = { collection: 'comments', schema: commentSchema };

export function newComment(input: { authorId: string; authorName: string; body: string; createdAt?: number; anchor?: CommentAnchor | null; pin?: PhotoPin | null }): Comment {
  return {
    id: newId<RecordId>(),
    authorId: input.authorId,
    authorName: input.authorName,
    body: input.body.trim(),
    createdAt: input.createdAt ?? Date.now(),
    resolved: false,
    anchor: input.anchor ?? null,
    pin: input.pin ?? null
  };
}
