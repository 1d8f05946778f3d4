import { addMarkerCommand } from '$lib/editor/commands/timeline/add-marker';
import { splitClipsCommand } from '$lib/editor/commands/timeline/split-clips';
import type { TimelineActions } from './timeline-actions';
import type { TimelineView } from './timeline-view.svelte';

export interface KeyHost {
  view: TimelineView;
  actions: TimelineActions;
  editable(): boolean;
  /** Shift+Z: the whole cut in view. */
  fit(): void;
  /** Shift+C: open the comment composer at the playhead. */
  comment(): void;
}

/**
 * The timeline's keyboard, as Premiere and Shotcut users expect it. Copy, cut and paste are not here: they come
 * as the browser's clipboard events (which carry the system clipboard), see TimelineEditor.
 *
 * Space play/pause · J/K/L shuttle (K+J, K+L: one frame) · ←/→ one frame (Shift: one second) · Home/End ·
 * , and . previous/next marker · +/− zoom · Shift+Z fit · Esc stop following, else clear the selection.
 * Editors also: S split · M marker · T title · Shift+T transition · Shift+C comment · Delete (Shift: ripple) ·
 * Ctrl+D duplicate · Ctrl+Z undo · Ctrl+Shift+Z / Ctrl+Y redo.
 */
export function timelineKeys(host: KeyHost): { keydown(e: KeyboardEvent): boolean; keyup(e: KeyboardEvent): void } {
  let kHeld = false;
  const { view, actions } = host;

  function keydown(e: KeyboardEvent): boolean {
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const editable = host.editable();
    if (mod && !e.altKey) {
      if (key !== 'z' && key !== 'y' && key !== 'd') return false;
      if (!editable) return true;
      if (key === 'd') actions.duplicate();
      else if (key === 'y' || e.shiftKey) actions.redo();
      else actions.undo();
      return true;
    }
    if (mod || e.altKey) return false;
    switch (key) {
      case ' ':
        view.togglePlay();
        return true;
      case 'k':
        if (!e.repeat) kHeld = true;
        view.pause();
        return true;
      case 'j':
      case 'l': {
        const direction = key === 'l' ? 1 : -1;
        if (kHeld) view.stepFrames(direction);
        else if (!e.repeat) view.shuttle(direction);
        return true;
      }
      case 'ArrowLeft':
      case 'ArrowRight':
        view.stepFrames((key === 'ArrowLeft' ? -1 : 1) * (e.shiftKey ? view.fps : 1));
        return true;
      case 'Home':
        view.setPlayhead(0);
        return true;
      case 'End':
        view.setPlayhead(view.duration);
        return true;
      case ',':
      case '.':
        actions.jumpToMarker(key === '.' ? 1 : -1);
        return true;
      case '+':
      case '=':
        view.zoomBy(1.25);
        return true;
      case '-':
      case '_':
        view.zoomBy(0.8);
        return true;
      case 'Escape':
        if (view.following !== null) view.stopFollowing();
        else {
          view.selection = [];
          view.selectTransition(null);
          view.selectMarker(null);
        }
        return true;
    }
    if (key === 'z' && e.shiftKey) {
      host.fit();
      return true;
    }
    if (!editable) return false;
    switch (key) {
      case 's':
        view.run(splitClipsCommand, {});
        return true;
      case 'm':
        view.run(addMarkerCommand, {});
        return true;
      case 't':
        if (e.shiftKey) actions.addTransitionNearPlayhead();
        else actions.insertTitle();
        return true;
      case 'c':
        if (!e.shiftKey) return false;
        host.comment();
        return true;
      case 'Delete':
      case 'Backspace':
        actions.deleteSelection(e.shiftKey);
        return true;
    }
    return false;
  }

  function keyup(e: KeyboardEvent): void {
    if (e.key.toLowerCase() === 'k') kHeld = false;
  }

  return { keydown, keyup };
}
