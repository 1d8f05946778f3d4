import type { NowPlayingItem } from '$lib/live';

/** Lock-screen and notification metadata for what is sounding; a no-op where the Media Session API is missing. */
export function setMediaMetadata(item: NowPlayingItem | null, channel: { name: string; slug: string }): void {
  if (typeof navigator === 'undefined' || !('mediaSession' in navigator)) return;
  navigator.mediaSession.metadata = new MediaMetadata({
    title: item?.title ?? channel.name,
    artist: item?.artist || channel.name,
    album: channel.name,
    artwork: [96, 192, 512].map((s) => ({ src: `/s/${channel.slug}/icon.png?size=${s}`, sizes: `${s}x${s}`, type: 'image/png' }))
  });
}

/** Lock-screen play/pause (a live stream has no seeking); returns a function that removes the handlers. */
export function setMediaHandlers(play: () => void, pause: () => void): () => void {
  if (typeof navigator === 'undefined' || !('mediaSession' in navigator)) return () => {};
  const ms = navigator.mediaSession;
  const set = (action: MediaSessionAction, fn: MediaSessionActionHandler | null) => {
    try {
      ms.setActionHandler(action, fn);
    } catch {
      /* an action this browser does not know */
    }
  };
  set('play', play);
  set('pause', pause);
  set('stop', pause);
  return () => ['play', 'pause', 'stop'].forEach((a) => set(a as MediaSessionAction, null));
}

export function setPlaybackState(playing: boolean): void {
  if (typeof navigator !== 'undefined' && 'mediaSession' in navigator) navigator.mediaSession.playbackState = playing ? 'playing' : 'paused';
}
