import { setRoom } from '../../model/brief/operations';
import type { RoomType } from '../../model/brief/snapshot';
import { briefCommand } from './brief-command';

/** A person's room type on the selected photos (1–9, 0 for other); it wins over the detector's. */
export const setRoomCommand = briefCommand<{ photoIds: readonly string[]; room: RoomType | null }>({
  name: 'brief.setRoom',
  label: 'Set room type',
  keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'],
  operate: (s, args) => setRoom(s, args)
});
