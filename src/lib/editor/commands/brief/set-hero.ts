import { setHero } from '../../model/brief/operations';
import { briefCommand } from './brief-command';

/** The cover photo; one at a time (making one the hero takes the flag from the other). */
export const setHeroCommand = briefCommand<{ photoId: string | null }>({ name: 'brief.setHero', label: 'Hero photo', keys: ['h'], operate: (s, args) => setHero(s, args) });
