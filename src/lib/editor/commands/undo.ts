import { canEdit } from '../model/role';
import type { Command } from './command';

/** Per-user undo: the UndoManager tracks only this user's origin, so a teammate's edits are never undone. */
export const undo: Command = {
  name: 'undo',
  label: 'Undo',
  keys: ['Mod-z'],
  transacts: false,
  predicate: (ctx) => canEdit(ctx.role) && !!ctx.undoManager?.canUndo(),
  perform: (ctx) => void ctx.undoManager?.undo()
};

export const redo: Command = {
  name: 'redo',
  label: 'Redo',
  keys: ['Mod-Shift-z', 'Mod-y'],
  transacts: false,
  predicate: (ctx) => canEdit(ctx.role) && !!ctx.undoManager?.canRedo(),
  perform: (ctx) => void ctx.undoManager?.redo()
};
