import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeXml, hms, renderFeed, rfc822 } from '../../src/lib/server/podcast/podcast-feed';
import { RecordingFiles, type RecordingFile } from '../../src/lib/server/podcast/recording-files';
import { LocalStorage } from '../../src/lib/server/storage/local-storage';

const HOSTILE = `]]></title><script>x</script> & "q" 'a' \u0001bell`;

describe('the podcast feed writer', () => {
  it('escapes hostile text so the feed stays well-formed and reads back the same (control characters dropped)', () => {
    const xml = renderFeed(
      { title: HOSTILE, description: HOSTILE, author: HOSTILE, language: 'en', category: 'TV & Film', explicit: true, link: 'https://x.test/s/a', feedUrl: 'https://x.test/podcasts/a/feed.xml?a=1&b=2', imageUrl: null, guid: 'g' },
      [{ guid: 'e1', title: HOSTILE, description: '', publishedAt: Date.UTC(2026, 0, 2, 3, 4, 5), url: 'https://x.test/e1.m4a', bytes: 10, mime: 'audio/mp4', duration: 3725.4, chaptersUrl: null }],
      0
    );
    expect(XMLValidator.validate(xml)).toBe(true);
    const c = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false }).parse(xml).rss.channel;
    const clean = HOSTILE.replace('\u0001', '');
    expect(c.title).toBe(clean);
    expect(c['itunes:category']['@text']).toBe('TV & Film');
    expect(c['itunes:explicit']).toBe('true');
    expect(c['atom:link']['@href']).toBe('https://x.test/podcasts/a/feed.xml?a=1&b=2');
    expect(c.item.title).toBe(clean);
    // An empty description falls back to the title (Apple wants one per episode).
    expect(c.item.description).toBe(clean);
    expect(c.item.pubDate).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
    expect(c.item['itunes:duration']).toBe('01:02:05');
  });

  it('formats dates and durations as RSS and iTunes want', () => {
    expect(rfc822(0)).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    expect(hms(0)).toBe('00:00:00');
    expect(hms(59.6)).toBe('00:01:00');
    expect(hms(36_000)).toBe('10:00:00');
    expect(escapeXml(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
});

describe('recording slices', () => {
  const files: RecordingFile[] = [
    { name: 'a', key: 'r/a.m4a', start: 0, end: 3_600_000, bytes: 1 },
    { name: 'b', key: 'r/b.m4a', start: 3_601_000, end: 7_200_000, bytes: 1 },
    { name: 'c', key: 'r/c.m4a', start: 9_000_000, end: 10_000_000, bytes: 1 }
  ];
  const rec = new RecordingFiles(new LocalStorage('/r'));

  it('cover a range across files with in/out points in each file, a restart\'s short gap included', () => {
    expect(rec.slices(files, 1_800_000, 5_400_000)).toEqual({
      ok: true,
      slices: [
        { file: 'r/a.m4a', inpoint: 1800, outpoint: 3600 },
        { file: 'r/b.m4a', inpoint: 0, outpoint: 1799 }
      ]
    });
  });

  it('say from when a range is not recorded', () => {
    expect(rec.slices(files, 7_000_000, 9_500_000)).toEqual({ ok: false, missingFrom: 7_200_000 });
    expect(rec.slices(files, 10_000_000, 10_100_000)).toEqual({ ok: false, missingFrom: 10_000_000 });
  });
});
