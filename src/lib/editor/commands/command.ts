import type * as Y from 'yjs';
import type { EditOrigin } from '../model/origin';
import type { ProjectDoc } from '../model/project-doc';
import type { Role } from '../model/role';
import type { OperationOptions } from '../model/timeline/operations';

/** What the timeline editor knows that its commands need: playhead, selection, snap distance, source durations. */
export interface TimelineEditorState extends OperationOptions {
  selection?: readonly string[];
}

export interface CommandContext {
  project: ProjectDoc;
  origin: EditOrigin;
  role: Role;
  user: { id: string; name: string };
  undoManager?: Y.UndoManager;
  timeline?: TimelineEditorState;
}

/**
 * An edit, as Excalidraw's actions: the UI, the keyboard and the assistant all call the same object.
 * `perform` runs inside one `doc.transact(fn, origin)` unless `transacts` is false (undo/redo manage their own).
 */
export interface Command<A = void> {
  readonly name: string;
  readonly label: string;
  /** CodeMirror-style key names, `Mod` meaning Ctrl or Cmd. */
  readonly keys?: readonly string[];
  readonly transacts?: boolean;
  predicate(ctx: CommandContext, args: A): boolean;
  perform(ctx: CommandContext, args: A): void;
}

/** Runs a command when its predicate allows; returns whether it ran. */
export function runCommand<A>(command: Command<A>, ctx: CommandContext, args: A): boolean {
  if (!command.predicate(ctx, args)) return false;
  if (command.transacts === false) command.perform(ctx, args);
  else ctx.project.transact(ctx.origin, () => command.perform(ctx, args));
  return true;
}
