import { createPlaylist, type PlaylistRules } from '../../model/playlist/operations';
import type { PlaylistKind } from '../../model/playlist/snapshot';
import { playlistCommand } from './playlist-command';

export const createPlaylistCommand = playlistCommand<{ name?: string; kind?: PlaylistKind; index?: number } & PlaylistRules>({
  name: 'playlist.create',
  label: 'New playlist',
  operate: (s, args) => createPlaylist(s, args)
});
