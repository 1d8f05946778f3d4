import { SvelteMap, SvelteSet } from 'svelte/reactivity';
import type { Upload as TusUpload, DetailedError } from 'tus-js-client';
import type { AssetJson, AssetKind, AssetStatus, ProcessingState } from '$lib/asset';
import { apiJson, errorFromBody, messageOf } from '$lib/api-client';
import type { ProjectSocket } from '$lib/realtime/project-socket';

export const PAGE_SIZE = 48;
/** Files sent at the same time; the rest wait their turn. */
export const PARALLEL_UPLOADS = 2;
const SEARCH_DEBOUNCE_MS = 300;

export type SortKey = 'newest' | 'oldest' | 'title' | 'duration';
export type DurationBucket = '' | 'short' | 'medium' | 'long';

export interface LibraryFilters {
  q: string;
  kind: AssetKind | '';
  status: AssetStatus | '';
  processing: ProcessingState | '';
  duration: DurationBucket;
  tag: string;
  sort: SortKey;
}

export const DEFAULT_FILTERS: LibraryFilters = { q: '', kind: '', status: '', processing: '', duration: '', tag: '', sort: 'newest' };

/** The duration filter's buckets, in seconds (as the API's minDuration/maxDuration take them). */
export const DURATION_BUCKETS: Record<Exclude<DurationBucket, ''>, { label: string; min?: number; max?: number }> = {
  short: { label: 'Under 1 min', max: 60 },
  medium: { label: '1–5 min', min: 60, max: 300 },
  long: { label: 'Over 5 min', min: 300 }
};

export interface AssetPage {
  assets: AssetJson[];
  total: number;
  offset: number;
  limit: number;
}

export type UploadState = 'queued' | 'uploading' | 'processing' | 'done' | 'duplicate' | 'failed';

let uploadSeq = 0;

/** One file on its way into the library: sent with tus (resumable), then processed by a worker. */
export class UploadTask {
  readonly key = `u${++uploadSeq}`;
  readonly name: string;
  readonly size: number;
  state = $state<UploadState>('queued');
  /** 0..1 of the bytes sent. */
  progress = $state(0);
  bytesPerSecond = $state(0);
  error = $state<string | null>(null);
  /** The asset it became (or, for a duplicate, the one that already had this content). */
  asset = $state.raw<AssetJson | null>(null);
  /** Continued from an earlier, interrupted upload of the same file. */
  resumed = $state(false);
  /** The failure is the connection's, not the server's refusal: retrying (or coming back online) resumes it. */
  retryable = $state(false);
  /** The connection dropped during this upload and tus is about to continue (its retry delays). */
  reconnecting = $state(false);
  /** How many times the upload continued after a dropped connection. */
  reconnects = $state(0);

  upload: TusUpload | null = null;
  samples: { t: number; bytes: number }[] = [];

  constructor(readonly file: File) {
    this.name = file.name;
    this.size = file.size;
  }

  get active(): boolean {
    return this.state === 'queued' || this.state === 'uploading';
  }

  get finished(): boolean {
    return this.state === 'done' || this.state === 'duplicate' || this.state === 'failed';
  }
}

/** Seconds-based query parameters for the API, from the page's filters. */
export function filterParams(f: LibraryFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.kind) p.set('kind', f.kind);
  if (f.status) p.set('status', f.status);
  if (f.processing) p.set('processing', f.processing);
  if (f.tag.trim()) p.set('tag', f.tag.trim());
  if (f.duration) {
    const b = DURATION_BUCKETS[f.duration];
    if (b.min !== undefined) p.set('minDuration', String(b.min));
    if (b.max !== undefined) p.set('maxDuration', String(b.max));
  }
  p.set('sort', f.sort);
  return p;
}

/** The server's filter, applied to one asset in the browser (for live inserts and removals). Mirrors AssetRepository.list. */
export function matchesFilters(a: AssetJson, f: LibraryFilters): boolean {
  if (f.kind && a.kind !== f.kind) return false;
  if (f.status && a.status !== f.status) return false;
  if (f.processing && a.processing.state !== f.processing) return false;
  if (f.tag.trim()) {
    const tag = f.tag.trim().toLowerCase();
    if (!a.tags.some((t) => t.toLowerCase() === tag)) return false;
  }
  if (f.duration) {
    const b = DURATION_BUCKETS[f.duration];
    if (a.duration === null) return false;
    if (b.min !== undefined && a.duration < b.min) return false;
    if (b.max !== undefined && a.duration > b.max) return false;
  }
  const q = f.q.trim().toLowerCase();
  if (q) {
    const fields = [a.title, a.artist, a.description, JSON.stringify(a.tags), a.originalName, a.category];
    if (!fields.some((s) => s.toLowerCase().includes(q))) return false;
  }
  return true;
}

/** The server's order for a sort (ties broken by id, as the API does); negative when `a` comes first. */
export function compareAssets(a: AssetJson, b: AssetJson, sort: SortKey): number {
  let c = 0;
  if (sort === 'newest') c = b.createdAt - a.createdAt;
  else if (sort === 'oldest') c = a.createdAt - b.createdAt;
  else if (sort === 'title') {
    const x = a.title.toLowerCase();
    const y = b.title.toLowerCase();
    c = x < y ? -1 : x > y ? 1 : 0;
  } else {
    // Longest first; unknown durations (images, still processing) last.
    c = (b.duration ?? -1) - (a.duration ?? -1);
  }
  return c !== 0 ? c : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const sortValue = (a: AssetJson, sort: SortKey) => (sort === 'title' ? a.title.toLowerCase() : sort === 'duration' ? a.duration : a.createdAt);

/**
 * One project's media library in the browser: the assets the current filters show (a page at a time), kept live from
 * socket.io events without refetching; the selection for bulk actions; and the uploads queue (tus, resumable,
 * PARALLEL_UPLOADS at a time). Create it in the browser for interactive use; its initial page may come from the server.
 */
export class LibraryState {
  /** What the filters apply now; the search box types into `query`, which reaches `filters.q` after a pause. */
  filters = $state<LibraryFilters>({ ...DEFAULT_FILTERS });
  query = $state('');
  /** Every asset this page knows, by id (the list shows `order`). */
  readonly byId = new SvelteMap<string, AssetJson>();
  /** Ids in the server's order for the current filters, as far as loaded. */
  order = $state<string[]>([]);
  total = $state(0);
  loading = $state(false);
  loadingMore = $state(false);
  /** Loading the list failed: what to tell the reader. */
  error = $state<string | null>(null);
  readonly selected = new SvelteSet<string>();
  uploads = $state<UploadTask[]>([]);
  /** Assets someone tried to upload again in this tab (same content): the grid says so. */
  readonly duplicateHits = new SvelteSet<string>();
  /** Assets deleted while this page was open (by anyone): an open details drawer closes. */
  readonly deleted = new SvelteSet<string>();

  readonly items = $derived(this.order.map((id) => this.byId.get(id)).filter((a): a is AssetJson => a !== undefined));
  readonly hasMore = $derived(this.order.length < this.total);
  readonly selectedAssets = $derived([...this.selected].map((id) => this.byId.get(id)).filter((a): a is AssetJson => a !== undefined));
  readonly uploading = $derived(this.uploads.some((u) => u.state === 'uploading'));

  private fetchSeq = 0;
  private listAbort: AbortController | null = null;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private countTimer: ReturnType<typeof setTimeout> | undefined;
  /** The newest copy of every asset seen lately (pages, events, answers), also those the filters hide. */
  private readonly recent = new SvelteMap<string, AssetJson>();
  private readonly stop: (() => void)[] = [];

  constructor(
    readonly projectId: string,
    initial?: AssetPage
  ) {
    if (initial) this.setPage(initial, false);
  }

  // ---- live updates ----

  /** Follows the project's asset events on `socket`; after a reconnect the current view is loaded again (events were missed). */
  attach(socket: ProjectSocket): void {
    const changed = (a: AssetJson) => a.projectId === this.projectId && this.applyChanged(a);
    const deleted = (e: { projectId: string; assetId: string }) => e.projectId === this.projectId && this.applyDeleted(e.assetId);
    socket.on('asset:changed', changed);
    socket.on('asset:deleted', deleted);
    this.stop.push(() => {
      socket.off('asset:changed', changed);
      socket.off('asset:deleted', deleted);
    });
  }

  /** An asset changed somewhere (event, upload answer, our own edit): update, insert or drop it as the filters say. */
  applyChanged(incoming: AssetJson): void {
    const { duplicate: _dup, ...asset } = incoming;
    const seen = this.latest(asset.id);
    // An older copy (an upload's answer overtaken by a processing event) must not win.
    if (seen && seen.updatedAt > asset.updatedAt) return;
    this.remember(asset);
    this.followUploads(asset);

    const known = this.byId.get(asset.id);
    const listed = this.order.includes(asset.id);
    const matches = matchesFilters(asset, this.filters);
    if (known) this.byId.set(asset.id, asset);

    if (listed && !matches) {
      this.order = this.order.filter((id) => id !== asset.id);
      this.total = Math.max(0, this.total - 1);
      this.selected.delete(asset.id);
      return;
    }
    if (listed && matches) {
      if (known && sortValue(known, this.filters.sort) !== sortValue(asset, this.filters.sort)) {
        const allLoaded = this.order.length >= this.total;
        const rest = this.order.filter((id) => id !== asset.id);
        this.order = this.insertSorted(rest, asset, allLoaded) ?? rest;
        if (!this.order.includes(asset.id)) this.byId.delete(asset.id);
      }
      return;
    }
    if (!matches) return;
    // New to this view: a fresh upload, or an asset whose change brought it under the filters.
    const everythingLoaded = this.order.length >= this.total;
    const next = this.insertSorted(this.order, asset, everythingLoaded);
    if (next) {
      this.byId.set(asset.id, asset);
      this.order = next;
    }
    if (everythingLoaded) this.total += 1;
    // With pages not loaded it may have been counted already: ask the server for the count.
    else this.refreshCountSoon();
  }

  applyDeleted(assetId: string): void {
    this.deleted.add(assetId);
    this.recent.delete(assetId);
    if (this.order.includes(assetId)) {
      this.order = this.order.filter((id) => id !== assetId);
      this.total = Math.max(0, this.total - 1);
    }
    this.byId.delete(assetId);
    this.selected.delete(assetId);
    this.duplicateHits.delete(assetId);
    for (const t of this.uploads) {
      if (t.asset?.id === assetId && (t.state === 'processing' || t.state === 'failed')) {
        t.state = 'failed';
        t.error = 'The asset was deleted before it finished processing.';
      }
    }
  }

  /** `ids` with `asset` at its sorted place; null when that place is past the loaded pages (it shows up on "Load more"). */
  private insertSorted(ids: string[], asset: AssetJson, allLoaded: boolean): string[] | null {
    const sort = this.filters.sort;
    let i = 0;
    while (i < ids.length) {
      const other = this.byId.get(ids[i]!);
      if (other && compareAssets(asset, other, sort) < 0) break;
      i++;
    }
    if (i === ids.length && !allLoaded) return null;
    return [...ids.slice(0, i), asset.id, ...ids.slice(i)];
  }

  private remember(asset: AssetJson) {
    this.recent.set(asset.id, asset);
    if (this.recent.size > 1000) {
      const oldest = this.recent.keys().next().value!;
      if (!this.byId.has(oldest)) this.recent.delete(oldest);
    }
  }

  /** The newest copy of an asset this page has seen, listed or not. */
  latest(id: string): AssetJson | undefined {
    return this.recent.get(id) ?? this.byId.get(id);
  }

  // ---- loading ----

  private setPage(page: AssetPage, append: boolean) {
    const ids = append ? [...this.order] : [];
    // A new first page replaces the view; what it no longer shows leaves the selection too.
    if (!append) this.byId.clear();
    for (const a of page.assets) {
      const { duplicate: _dup, ...asset } = a;
      const seen = this.recent.get(asset.id);
      const newest = seen && seen.updatedAt > asset.updatedAt ? seen : asset;
      this.byId.set(asset.id, newest);
      this.remember(newest);
      if (!ids.includes(asset.id)) ids.push(asset.id);
    }
    this.order = ids;
    this.total = page.total;
    for (const id of [...this.selected]) if (!this.byId.has(id)) this.selected.delete(id);
  }

  private listUrl(offset: number, limit = PAGE_SIZE): string {
    const p = filterParams(this.filters);
    p.set('limit', String(limit));
    p.set('offset', String(offset));
    return `/api/projects/${this.projectId}/assets?${p}`;
  }

  /** Loads the first page for the current filters (what a filter change or a reconnect does). */
  async reload(): Promise<void> {
    const seq = ++this.fetchSeq;
    this.listAbort?.abort();
    const abort = (this.listAbort = new AbortController());
    this.loading = true;
    this.error = null;
    try {
      const page = await apiJson<AssetPage>(this.listUrl(0), { signal: abort.signal });
      if (seq !== this.fetchSeq) return;
      this.setPage(page, false);
    } catch (e) {
      if (seq !== this.fetchSeq || (e as Error).name === 'AbortError') return;
      this.error = `The library could not be loaded: ${messageOf(e)}`;
    } finally {
      if (seq === this.fetchSeq) this.loading = false;
    }
  }

  async loadMore(): Promise<void> {
    if (this.loadingMore || !this.hasMore) return;
    const seq = this.fetchSeq;
    this.loadingMore = true;
    this.error = null;
    try {
      const page = await apiJson<AssetPage>(this.listUrl(this.order.length));
      if (seq !== this.fetchSeq) return;
      this.setPage(page, true);
    } catch (e) {
      if (seq === this.fetchSeq) this.error = `More assets could not be loaded: ${messageOf(e)}`;
    } finally {
      this.loadingMore = false;
    }
  }

  private refreshCountSoon() {
    clearTimeout(this.countTimer);
    this.countTimer = setTimeout(async () => {
      const seq = this.fetchSeq;
      try {
        const page = await apiJson<AssetPage>(this.listUrl(0, 1));
        if (seq === this.fetchSeq) this.total = Math.max(page.total, this.order.length);
      } catch {
        // The count stays approximate until the next load.
      }
    }, 400);
  }

  setFilter<K extends keyof LibraryFilters>(key: K, value: LibraryFilters[K]): void {
    if (this.filters[key] === value) return;
    this.filters = { ...this.filters, [key]: value };
    if (key === 'q') this.query = value as string;
    clearTimeout(this.searchTimer);
    void this.reload();
  }

  /** The search box: waits for a pause in typing before asking the server. */
  setQuery(text: string): void {
    this.query = text;
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => this.setFilter('q', text), SEARCH_DEBOUNCE_MS);
  }

  resetFilters(): void {
    clearTimeout(this.searchTimer);
    this.query = '';
    this.filters = { ...DEFAULT_FILTERS, sort: this.filters.sort };
    void this.reload();
  }

  get filtered(): boolean {
    const f = this.filters;
    return !!(f.q.trim() || f.kind || f.status || f.processing || f.duration || f.tag.trim());
  }

  // ---- selection ----

  toggle(id: string, on = !this.selected.has(id)): void {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
  }

  get allSelected(): boolean {
    return this.order.length > 0 && this.order.every((id) => this.selected.has(id));
  }

  selectAll(on = true): void {
    if (!on) return this.selected.clear();
    for (const id of this.order) this.selected.add(id);
  }

  clearSelection(): void {
    this.selected.clear();
  }

  // ---- editing ----

  async update(id: string, patch: { title?: string; artist?: string; description?: string; category?: string; tags?: string[]; status?: AssetStatus; rejectionReason?: string | null }): Promise<AssetJson> {
    const asset = await apiJson<AssetJson>(`/api/assets/${id}`, { method: 'PATCH', body: patch });
    this.applyChanged(asset);
    return asset;
  }

  async bulk(ids: string[], change: { addTags?: string[]; removeTags?: string[]; status?: AssetStatus; rejectionReason?: string }): Promise<AssetJson[]> {
    const { assets } = await apiJson<{ assets: AssetJson[] }>(`/api/projects/${this.projectId}/assets/bulk`, { method: 'POST', body: { ids, ...change } });
    for (const a of assets) this.applyChanged(a);
    return assets;
  }

  async remove(id: string): Promise<void> {
    await apiJson<null>(`/api/assets/${id}`, { method: 'DELETE' });
    this.applyDeleted(id);
  }

  /** Deletes one by one; stops at the first refusal and says how far it got. */
  async removeMany(ids: string[]): Promise<void> {
    let done = 0;
    for (const id of ids) {
      try {
        await this.remove(id);
        done++;
      } catch (e) {
        throw new Error(`${done ? `${done} of ${ids.length} deleted; then: ` : ''}${messageOf(e)}`);
      }
    }
  }

  async fetchOne(id: string): Promise<AssetJson> {
    const asset = await apiJson<AssetJson>(`/api/assets/${id}`);
    this.remember(asset);
    return asset;
  }

  // ---- uploads ----

  /** Queues files for upload; they start PARALLEL_UPLOADS at a time. */
  addFiles(files: Iterable<File>): UploadTask[] {
    const added = [...files].map((f) => new UploadTask(f));
    if (!added.length) return added;
    this.uploads = [...this.uploads, ...added];
    this.pump();
    return added;
  }

  private pump() {
    let running = this.uploads.filter((t) => t.state === 'uploading').length;
    for (const t of this.uploads) {
      if (running >= PARALLEL_UPLOADS) break;
      if (t.state !== 'queued') continue;
      running++;
      void this.start(t);
    }
  }

  private async start(t: UploadTask) {
    t.state = 'uploading';
    t.error = null;
    t.retryable = false;
    t.reconnecting = false;
    t.progress = 0;
    t.bytesPerSecond = 0;
    t.samples = [];
    try {
      // Loaded on first use: the page works (and renders on the server) without it.
      const { Upload } = await import('tus-js-client');
      if (t.state !== 'uploading') return; // canceled meanwhile
      const projectId = this.projectId;
      const upload = new Upload(t.file, {
        // Absolute: tus-js-client resolves the server's relative Location against the endpoint.
        endpoint: new URL('/api/uploads', location.href).href,
        metadata: { projectId, filename: t.file.name, filetype: t.file.type },
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000],
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        // Per project: the same file dropped into another project must not resume into this one.
        fingerprint: async (file: File) => ['airstudio-upload', projectId, file.name, file.type, file.size, file.lastModified].join(':'),
        onProgress: (sent, total) => this.progress(t, sent, total),
        // tus's own rule (retry unless the server refused with a 4xx other than 409/423, and only online), recorded for the row.
        onShouldRetry: (err) => {
          const status = err.originalResponse?.getStatus() ?? 0;
          const retry = (status < 400 || status >= 500 || status === 409 || status === 423) && navigator.onLine !== false;
          if (retry) {
            t.reconnecting = true;
            t.reconnects++;
          }
          return retry;
        },
        onSuccess: ({ lastResponse }) => this.uploaded(t, lastResponse.getBody()),
        onError: (err) => this.failed(t, err)
      });
      t.upload = upload;
      const previous = (await upload.findPreviousUploads()).filter((p) => p.metadata?.projectId === projectId);
      if (t.state !== 'uploading') return;
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]!);
        t.resumed = true;
      }
      upload.start();
    } catch (e) {
      t.state = 'failed';
      t.error = `The upload could not start: ${messageOf(e)}`;
      t.retryable = true;
      this.pump();
    }
  }

  private progress(t: UploadTask, sent: number, total: number) {
    if (t.state !== 'uploading') return;
    t.reconnecting = false;
    t.progress = total > 0 ? sent / total : 1;
    const now = performance.now();
    t.samples.push({ t: now, bytes: sent });
    // Speed over the last three seconds: steady enough to read, quick to follow a slowdown.
    while (t.samples.length > 2 && now - t.samples[0]!.t > 3000) t.samples.shift();
    const first = t.samples[0]!;
    const dt = (now - first.t) / 1000;
    if (dt > 0.2) t.bytesPerSecond = Math.max(0, (sent - first.bytes) / dt);
  }

  private uploaded(t: UploadTask, body: string) {
    t.progress = 1;
    t.bytesPerSecond = 0;
    t.upload = null;
    t.reconnecting = false;
    let answer: AssetJson | null = null;
    try {
      const parsed = JSON.parse(body) as AssetJson;
      if (parsed && typeof parsed.id === 'string') answer = parsed;
    } catch {
      // Resumed an upload the server had already finished: no answer body; the asset arrives as an event.
    }
    if (!answer) {
      t.state = 'done';
    } else {
      const latest = this.recent.get(answer.id);
      const asset = latest && latest.updatedAt > answer.updatedAt ? latest : answer;
      t.asset = asset;
      if (answer.duplicate) {
        t.state = 'duplicate';
        this.duplicateHits.add(answer.id);
      } else {
        t.state = 'processing';
        this.followUpload(t, asset);
      }
      this.applyChanged(answer);
    }
    this.pump();
  }

  private failed(t: UploadTask, err: Error | DetailedError) {
    t.upload = null;
    t.reconnecting = false;
    t.bytesPerSecond = 0;
    t.state = 'failed';
    const res = (err as DetailedError).originalResponse;
    const status = res?.getStatus() ?? 0;
    if (res && status > 0) {
      t.error = errorFromBody(status, res.getBody() ?? '').message;
      t.retryable = status >= 500 || status === 409 || status === 423;
    } else {
      t.error = 'The connection dropped and did not come back. Retry continues where it stopped.';
      t.retryable = true;
    }
    this.pump();
  }

  private followUploads(asset: AssetJson) {
    for (const t of this.uploads) {
      if (t.asset?.id !== asset.id) continue;
      if (t.state === 'processing' || t.state === 'failed') this.followUpload(t, asset);
      else t.asset = asset; // approved, renamed…: the row tells the current state
    }
  }

  /** An uploaded file is done once a worker has processed it. */
  private followUpload(t: UploadTask, asset: AssetJson) {
    if (t.state !== 'processing' && !(t.state === 'failed' && t.asset)) return;
    t.asset = asset;
    if (asset.processing.state === 'ready') {
      t.state = 'done';
      t.error = null;
    } else if (asset.processing.state === 'failed') {
      t.state = 'failed';
      t.retryable = asset.processing.jobId !== null;
      t.error = `Uploaded, but processing failed: ${asset.processing.error ?? 'no reason given'}`;
    } else {
      t.state = 'processing';
      t.error = null;
    }
  }

  /** Failed uploads start again (resuming where they stopped); failed processing is retried on the server. */
  async retryUpload(t: UploadTask): Promise<void> {
    if (t.state !== 'failed') return;
    if (t.asset && t.asset.processing.state === 'failed' && t.asset.processing.jobId) {
      t.error = null;
      t.state = 'processing';
      try {
        await apiJson(`/api/jobs/${t.asset.processing.jobId}/retry`, { method: 'POST' });
      } catch (e) {
        t.state = 'failed';
        t.error = messageOf(e);
      }
      return;
    }
    t.state = 'queued';
    t.error = null;
    this.pump();
  }

  /** Stops a queued or running upload and forgets it (its partial upload is removed from the server). */
  cancelUpload(t: UploadTask): void {
    const upload = t.upload;
    t.upload = null;
    this.uploads = this.uploads.filter((x) => x !== t);
    if (upload) void upload.abort(true).catch(() => undefined);
    t.state = 'failed';
    this.pump();
  }

  dismissUpload(t: UploadTask): void {
    if (t.state === 'uploading') return;
    this.uploads = this.uploads.filter((x) => x !== t);
  }

  clearFinishedUploads(): void {
    this.uploads = this.uploads.filter((t) => !(t.state === 'done' || t.state === 'duplicate' || (t.state === 'failed' && !t.retryable)));
  }

  /** Back online: uploads that failed for the connection's sake continue by themselves. */
  resumeAfterOffline(): void {
    for (const t of this.uploads) if (t.state === 'failed' && t.retryable && !t.asset) void this.retryUpload(t);
  }

  destroy(): void {
    clearTimeout(this.searchTimer);
    clearTimeout(this.countTimer);
    this.listAbort?.abort();
    for (const fn of this.stop) fn();
    for (const t of this.uploads) void t.upload?.abort(false);
  }
}
