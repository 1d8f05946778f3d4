/**
 * The DJ's lines without a language model: a tracery grammar with many openers, time-of-day phrases, segues and
 * sign-offs, filled with the item's metadata. Pure (no I/O); labelled `template` wherever it shows.
 */
import tracery from 'tracery-grammar';
import type { TimeOfDay } from '../../src/lib/dj';

export interface LineContext {
  kind: 'intro' | 'station-id';
  channel: string;
  dj: string;
  title: string;
  artist: string;
  uploader: string;
  description: string;
  timeOfDay: TimeOfDay;
  previous: { title: string; artist: string } | null;
  next: { title: string; artist: string } | null;
}

/** Metadata goes into tracery rules, whose syntax is `#symbol#` and `[action]`: those characters cannot come through. */
function clean(s: string, max = 80): string {
  return s.replace(/[#[\]\\{}]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

const TIME_PHRASES: Record<TimeOfDay, string[]> = {
  morning: ['this morning', 'on your morning', 'as the day gets going', 'with your first coffee'],
  afternoon: ['this afternoon', 'through the afternoon', 'to carry you through the day', 'on a long afternoon'],
  evening: ['this evening', 'as the evening settles in', 'on your way home', 'for the evening crowd'],
  night: ['late tonight', 'for the night owls', 'in the small hours', 'while the city sleeps']
};

function grammarFor(c: LineContext): Record<string, string | string[]> {
  const title = clean(c.title) || 'this one';
  const artist = clean(c.artist);
  const uploader = clean(c.uploader, 40);
  const description = clean(c.description, 120).replace(/[.!?]+$/, '');
  const prev = c.previous ? { title: clean(c.previous.title), artist: clean(c.previous.artist) } : null;
  return {
    channel: clean(c.channel, 60) || 'the station',
    dj: clean(c.dj, 40) || 'your host',
    title: `"${title}"`,
    artist: artist || uploader || 'someone special',
    time: TIME_PHRASES[c.timeOfDay],
    hello: ['Hey there', 'Hello again', 'Welcome back', 'Good to have you here', 'Hi everyone', 'Alright', 'Here we go'],
    listening: ["you're listening to #channel#", 'this is #channel#', "#channel# is on the air", "you're tuned to #channel#", 'this is #dj# on #channel#'],
    opener: ['#hello#, #listening# #time#.', '#hello# #time#.', "#listening#, and I'm #dj#.", '#hello#, #dj# with you #time#.', 'Stay right there.', 'Coming up next.', "Let's keep it going."],
    lead: ['Here is #title# by #artist#.', 'This is #title# from #artist#.', 'Next up, #artist# with #title#.', 'Here comes #title#, from #artist#.', "Let's hear #title# by #artist#.", '#artist# now, with #title#.', 'One from #artist#: #title#.'],
    after: prev
      ? [
          `That was "${prev.title}"${prev.artist ? ` by ${prev.artist}` : ''}.`,
          `Coming out of "${prev.title}".`,
          `After "${prev.title}", a change of pace.`,
          `"${prev.title}" there${prev.artist ? `, from ${prev.artist}` : ''}.`
        ]
      : ['#opener#'],
    about: description ? [`${description}.`, `In their words: ${description}.`, `Here's the story: ${description}.`] : ['#hype#'],
    shared: uploader && uploader !== artist ? [`Shared with us by ${uploader}.`, `Thanks to ${uploader} for sending this in.`, `${uploader} put this one in the library.`] : ['#hype#'],
    hype: ['Turn it up.', 'Enjoy.', 'A good one.', 'You are going to like this.', 'One of my favourites.', 'Sit back for this one.', 'Here it is.', ''],
    origin: [
      '#opener# #lead# #hype#',
      '#after# #lead#',
      '#after# #opener# #lead# #hype#',
      '#opener# #lead# #about#',
      '#lead# #shared#',
      '#after# #lead# #about#',
      '#opener# #lead# #shared#'
    ],
    id: [
      "You're listening to #channel#. #hello#, it's the top of the hour.",
      'This is #channel#, #time#. #dj# with you.',
      'The top of the hour on #channel#. #listening_again#.',
      "#channel#. It's a new hour, and #dj# is still here.",
      '#hello#. #channel#, #time#, and the music keeps going.'
    ],
    listening_again: ['Thanks for staying with us', 'Glad you are here', 'Stay tuned', 'More music ahead']
  };
}

/** A seeded random source (mulberry32): the same seed gives the same line, so tests and retries can reproduce it. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One line for the context, not among `avoid` (the channel's recent lines) when another can be found within a few
 * tries. Never returns a line with an unfilled `#symbol#`.
 */
export function templateLine(c: LineContext, random: () => number = Math.random, avoid: readonly string[] = []): string {
  const grammar = tracery.createGrammar(grammarFor(c));
  grammar.addModifiers(tracery.baseEngModifiers);
  const start = c.kind === 'station-id' ? '#id#' : '#origin#';
  let line = '';
  for (let i = 0; i < 12; i++) {
    tracery.setRng(random);
    line = tidy(grammar.flatten(start));
    if (!avoid.includes(line)) break;
  }
  tracery.setRng(Math.random);
  return line;
}

/** Spaces and stray punctuation left where an optional part came out empty. */
function tidy(s: string): string {
  const flat = s.replace(/\s+/g, ' ').replace(/\s+([.,!?:])/g, '$1').replace(/\.\./g, '.').trim();
  // A phrase that opens a sentence starts with a capital.
  return flat.replace(/(^|[.!?]\s+)([a-z])/g, (_m, before: string, letter: string) => before + letter.toUpperCase());
}
