import { setPlaylistRules, type PlaylistRules } from '../../model/playlist/operations';
import { playlistCommand } from './playlist-command';

/** Kind, in order or shuffled, no-repeat, jingle rule, generator prompt. */
export const setPlaylistRulesCommand = playlistCommand<{ playlistId: string } & PlaylistRules>({
  name: 'playlist.setRules',
  label: 'Playlist rules',
  operate: (s, args) => setPlaylistRules(s, args)
});
