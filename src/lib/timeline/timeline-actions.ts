import { runCommand } from '$lib/editor/commands/command';
import { addComment } from '$lib/editor/commands/add-comment';
import { addTransitionCommand } from '$lib/editor/commands/timeline/add-transition';
import { deleteClipsCommand } from '$lib/editor/commands/timeline/delete-clips';
import { deleteMarkerCommand } from '$lib/editor/commands/timeline/delete-marker';
import { duplicateClipsCommand } from '$lib/editor/commands/timeline/duplicate-clips';
import { insertTitleCommand } from '$lib/editor/commands/timeline/insert-title';
import { pasteClipsCommand } from '$lib/editor/commands/timeline/paste-clips';
import { removeTransitionCommand } from '$lib/editor/commands/timeline/remove-transition';
import { rippleDeleteClipsCommand } from '$lib/editor/commands/timeline/ripple-delete-clips';
import { redo, undo } from '$lib/editor/commands/undo';
import { anchorAt } from '$lib/editor/model/timeline/comment-anchor';
import { newTimelineId } from '$lib/editor/model/timeline/ids';
import { copyClips, type TimelineClipboard } from '$lib/editor/model/timeline/operations';
import { clipEnd, type ClipSnapshot } from '$lib/editor/model/timeline/snapshot';
import { encodeClipboard, parseClipboard } from './clipboard';
import { cutsOf, nearestCut, type Cut } from './cuts';
import { pasteTrack } from './targets';
import type { TimelineView } from './timeline-view.svelte';

/** Below this a marker is "at" the playhead: jumping from it goes to the next one. */
const SAME_TIME = 1e-4;

/**
 * The timeline's edit actions that take more than one command call: what the toolbar buttons, the keyboard and
 * the clipboard events share. Each refusal is a toast (`view.say`).
 */
export class TimelineActions {
  /** What was copied last in this tab: pasted when the system clipboard holds none of our clips. */
  #memory: TimelineClipboard | null = null;

  constructor(
    private readonly view: TimelineView,
    private readonly projectId: string
  ) {}

  undo(): void {
    runCommand(undo, this.view.session.context, undefined);
  }

  redo(): void {
    runCommand(redo, this.view.session.context, undefined);
  }

  /** Copies the selected clips; returns the JSON for the system clipboard, or null when nothing is selected. */
  copy(): string | null {
    const clipboard = copyClips(this.view.snapshot, this.view.selection);
    if (!clipboard) {
      this.view.say('Select the clips to copy.');
      return null;
    }
    this.#memory = clipboard;
    return encodeClipboard(clipboard, this.projectId);
  }

  /** Copy, then delete what was copied. */
  cut(): string | null {
    const json = this.copy();
    if (json) this.view.run(deleteClipsCommand, {});
    return json;
  }

  /**
   * Pastes clipboard text when it holds our clips, else what this tab copied last: at the playhead, on the selected
   * clip's track (or the best track of the clips' kind). The pasted clips end selected, the playhead after them.
   */
  paste(text?: string | null): boolean {
    const parsed = parseClipboard(text, this.projectId);
    if (parsed && !parsed.ok) {
      this.view.say(parsed.reason);
      return false;
    }
    const clipboard = parsed?.clipboard ?? this.#memory;
    if (!clipboard) {
      this.view.say('Copy clips first (Ctrl+C).');
      return false;
    }
    const track = pasteTrack(this.view.snapshot, this.view.selection, clipboard);
    if (!track) {
      const kind = clipboard.clips[0].kind;
      this.view.say(`Add ${kind === 'audio' ? 'an audio' : `a ${kind}`} track to paste onto.`);
      return false;
    }
    const created = this.#creating(() => this.view.run(pasteClipsCommand, { clipboard, trackId: track.id }));
    if (created.length) this.view.setPlayhead(Math.max(...created.map(clipEnd)));
    return created.length > 0;
  }

  /** Copies of the selection right after it; the copies end selected. */
  duplicate(): boolean {
    if (this.view.selection.length === 0) {
      this.view.say('Select the clips to duplicate.');
      return false;
    }
    return this.#creating(() => this.view.run(duplicateClipsCommand, {})).length > 0;
  }

  /** A "Title" title at the playhead (on a new title track when none has room); it ends selected. */
  insertTitle(): boolean {
    const clipId = newTimelineId();
    if (!this.view.run(insertTitleCommand, { clipId })) return false;
    this.view.selection = [clipId];
    return true;
  }

  /** The default transition (a 1 s crossfade) across `cut`; it ends selected. */
  addTransition(cut: Pick<Cut, 'from' | 'to'>): boolean {
    if (!this.view.run(addTransitionCommand, { fromClipId: cut.from.id, toClipId: cut.to.id })) return false;
    const added = this.view.snapshot.transitions.find((t) => t.fromClipId === cut.from.id);
    if (added) this.view.selectTransition(added.id);
    return true;
  }

  /** Shift+T: the default transition at the free cut nearest the playhead, on the selected clip's track if any. */
  addTransitionNearPlayhead(): boolean {
    const { snapshot, selection, playhead } = this.view;
    const trackId = snapshot.clips.find((c) => c.id === selection[0])?.trackId;
    const free = cutsOf(snapshot).filter((c) => !c.transition);
    const cut = nearestCut(free, playhead, trackId);
    if (!cut) {
      this.view.say(trackId ? 'There is no cut without a transition on that track.' : 'There is no cut without a transition on the timeline.');
      return false;
    }
    return this.addTransition(cut);
  }

  /** Delete: the selected transition, else the selected marker, else the selected clips (ripple closes their gaps). */
  deleteSelection(ripple: boolean): boolean {
    const view = this.view;
    if (view.selectedTransition) return view.run(removeTransitionCommand, { id: view.selectedTransition });
    if (view.selectedMarker) return view.run(deleteMarkerCommand, { id: view.selectedMarker });
    if (view.selection.length === 0) {
      view.say('Select the clips to delete.');
      return false;
    }
    return view.run(ripple ? rippleDeleteClipsCommand : deleteClipsCommand, {});
  }

  /** , and .: the playhead to the previous or next marker. */
  jumpToMarker(direction: 1 | -1): void {
    const { markers } = this.view.snapshot;
    const t = this.view.playhead;
    const target = direction > 0 ? markers.find((m) => m.time > t + SAME_TIME) : markers.findLast((m) => m.time < t - SAME_TIME);
    if (target) this.view.setPlayhead(target.time);
    else this.view.say(direction > 0 ? 'No marker after the playhead.' : 'No marker before the playhead.');
  }

  /** A comment pinned to the clip at the playhead (where the clip is now); returns whether it was posted. */
  pinComment(body: string, clipId: string): boolean {
    const clip = this.view.snapshot.clips.find((c) => c.id === clipId);
    if (!clip) {
      this.view.say('That clip is no longer on the timeline.');
      return false;
    }
    const ctx = this.view.session.context;
    const ran = runCommand(addComment, ctx, { body, anchor: anchorAt(clip, this.view.playhead) });
    ctx.undoManager?.stopCapturing();
    if (!ran) this.view.say('Only editors can comment.');
    return ran;
  }

  /** Runs an edit that adds clips and selects them; returns the added clips. */
  #creating(run: () => boolean): ClipSnapshot[] {
    const before = new Set(this.view.snapshot.clips.map((c) => c.id));
    if (!run()) return [];
    // The snapshot refreshed synchronously at the end of the edit's transaction.
    const created = this.view.snapshot.clips.filter((c) => !before.has(c.id));
    if (created.length) this.view.selection = created.map((c) => c.id);
    return created;
  }
}
