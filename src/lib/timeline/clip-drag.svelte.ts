import { moveClipsCommand } from '$lib/editor/commands/timeline/move-clips';
import { trimClipCommand } from '$lib/editor/commands/timeline/trim-clip';
import { clipEnd, type ClipSnapshot } from '$lib/editor/model/timeline/snapshot';
import type { TimelineView } from './timeline-view.svelte';

export type DragMode = 'move' | 'start' | 'end';

interface Drag {
  clipId: string;
  mode: DragMode;
  x0: number;
  dx: number;
  trackId: string;
  moved: boolean;
}

/** Pixels a pointer travels before a press on a clip becomes a drag (below: a click that selects). */
const DRAG_THRESHOLD = 3;

/**
 * A clip drag in progress (move, or trim of either edge): previewed locally, written as one command on drop. While
 * it moves, the clip is marked as being edited by you for the others (`view.setEditing`).
 */
export class ClipDrag {
  current = $state<Drag | null>(null);

  constructor(
    private readonly view: TimelineView,
    private readonly editable: () => boolean
  ) {}

  /** The track a move would drop on, while a move is under way. */
  get targetTrack(): string | null {
    const d = this.current;
    return d?.mode === 'move' && d.moved ? d.trackId : null;
  }

  /** Whether `clip` is drawn where the drag puts it. */
  dragging(clip: ClipSnapshot): boolean {
    const d = this.current;
    return !!d?.moved && (d.clipId === clip.id || (d.mode === 'move' && this.view.selection.includes(clip.id)));
  }

  /** Where a clip is drawn: its place, or where the drag in progress puts it (the operation decides on drop). */
  placed(clip: ClipSnapshot): { left: number; width: number } {
    const { zoom } = this.view;
    let start = clip.start;
    let end = clipEnd(clip);
    const d = this.current;
    if (d?.moved) {
      const shift = d.dx / zoom;
      const moving = d.mode === 'move' && (d.clipId === clip.id || this.view.selection.includes(clip.id));
      if (moving) {
        start += shift;
        end += shift;
      } else if (d.clipId === clip.id && d.mode === 'start') start = Math.min(end - 0.04, start + shift);
      else if (d.clipId === clip.id && d.mode === 'end') end = Math.max(start + 0.04, end + shift);
    }
    return { left: Math.max(0, start) * zoom, width: Math.max(2, (end - start) * zoom) };
  }

  /** Pointer down on a clip (`move`) or one of its edges. */
  begin(e: PointerEvent, clip: ClipSnapshot, mode: DragMode): void {
    if (e.button !== 0) return;
    e.stopPropagation();
    const view = this.view;
    (e.currentTarget as HTMLElement).closest<HTMLElement>('[data-clip-id]')?.focus();
    if (!this.editable()) {
      view.select(clip.id, e.shiftKey);
      return;
    }
    if (e.shiftKey) view.select(clip.id, true);
    else if (!view.selection.includes(clip.id)) view.select(clip.id, false);
    const el = e.currentTarget as HTMLElement;
    el.setPointerCapture(e.pointerId);
    this.current = { clipId: clip.id, mode, x0: e.clientX, dx: 0, trackId: clip.trackId, moved: false };
    const move = (ev: PointerEvent) => {
      const d = this.current;
      if (!d) return;
      d.dx = ev.clientX - d.x0;
      if (!d.moved && Math.abs(d.dx) > DRAG_THRESHOLD) {
        d.moved = true;
        view.setEditing(clip.id);
      }
      if (d.mode === 'move') d.trackId = laneAt(ev.clientX, ev.clientY) ?? d.trackId;
    };
    const up = (ev: PointerEvent) => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
      el.removeEventListener('pointercancel', up);
      const d = this.current;
      this.current = null;
      view.setEditing(null);
      if (!d || ev.type === 'pointercancel') return;
      if (!d.moved) {
        if (d.trackId === clip.trackId && !e.shiftKey) view.select(clip.id, false);
        return;
      }
      const shift = d.dx / view.zoom;
      if (d.mode === 'move') view.run(moveClipsCommand, { start: clip.start + shift, trackId: d.trackId, anchorId: clip.id });
      else view.run(trimClipCommand, { clipId: clip.id, edge: d.mode, time: (d.mode === 'start' ? clip.start : clipEnd(clip)) + shift });
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
    el.addEventListener('pointercancel', up);
  }
}

/** The track lane under a point (a move can change tracks). */
function laneAt(x: number, y: number): string | undefined {
  for (const el of document.elementsFromPoint(x, y)) {
    const id = (el as HTMLElement).dataset?.laneTrack;
    if (id) return id;
  }
  return undefined;
}
