/** The RSS 2.0 document of a podcast, with the itunes and podcast (Podcasting 2.0) namespaces, as Apple Podcasts asks. */

export interface FeedPodcast {
  title: string;
  description: string;
  author: string;
  language: string;
  category: string;
  explicit: boolean;
  /** Absolute URLs. */
  link: string;
  feedUrl: string;
  imageUrl: string | null;
  guid: string;
}

export interface FeedEpisode {
  guid: string;
  title: string;
  description: string;
  publishedAt: number;
  url: string;
  bytes: number;
  mime: string;
  duration: number;
  chaptersUrl: string | null;
}

/** XML text and attribute escaping; characters XML cannot hold at all are dropped (the API refuses them on input). */
export function escapeXml(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** RFC 822 date, as RSS 2.0 wants: "Sun, 22 Nov 2026 11:00:00 GMT". */
export const rfc822 = (ms: number) => new Date(ms).toUTCString();

/** itunes:duration as HH:MM:SS. */
export function hms(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export function renderFeed(p: FeedPodcast, episodes: FeedEpisode[], now: number): string {
  const e = escapeXml;
  const image = p.imageUrl
    ? `    <itunes:image href="${e(p.imageUrl)}"/>\n    <image><url>${e(p.imageUrl)}</url><title>${e(p.title)}</title><link>${e(p.link)}</link></image>\n`
    : '';
  const items = episodes
    .map(
      (x) => `    <item>
      <title>${e(x.title)}</title>
      <description>${e(x.description || x.title)}</description>
      <guid isPermaLink="false">${e(x.guid)}</guid>
      <pubDate>${rfc822(x.publishedAt)}</pubDate>
      <enclosure url="${e(x.url)}" length="${x.bytes}" type="${e(x.mime)}"/>
      <itunes:duration>${hms(x.duration)}</itunes:duration>
      <itunes:episodeType>full</itunes:episodeType>
${x.chaptersUrl ? `      <podcast:chapters url="${e(x.chaptersUrl)}" type="application/json+chapters"/>\n` : ''}    </item>
`
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>${e(p.title)}</title>
    <link>${e(p.link)}</link>
    <description>${e(p.description)}</description>
    <language>${e(p.language)}</language>
    <lastBuildDate>${rfc822(now)}</lastBuildDate>
    <generator>airstudio</generator>
    <atom:link href="${e(p.feedUrl)}" rel="self" type="application/rss+xml"/>
    <itunes:author>${e(p.author)}</itunes:author>
    <itunes:summary>${e(p.description)}</itunes:summary>
    <itunes:category text="${e(p.category)}"/>
    <itunes:explicit>${p.explicit ? 'true' : 'false'}</itunes:explicit>
    <itunes:type>episodic</itunes:type>
${image}    <podcast:guid>${e(p.guid)}</podcast:guid>
    <podcast:locked>no</podcast:locked>
${items}  </channel>
</rss>
`;
}
