import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  status: number;
  type: string;
  body: unknown;
}
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  /** s3rver is a Koa app: its middleware list, composed when it starts listening. */
  middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
// s3rver ships no types: its constructor and run/close are all the tests use.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export interface RunningS3 {
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the bucket's objects on disk. */
  directory: string;
  /** The environment that points the studio at this bucket. */
  env: Record<string, string>;
  /** The bucket's keys under `prefix`, as a plain S3 client lists them. */
  keys(prefix?: string): Promise<string[]>;
  /** Deletes an object behind the studio's back. */
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const noSuchUpload = (ctx: KoaContext) => {
  ctx.status = 404;
  ctx.type = 'application/xml';
  ctx.body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>';
};

/**
 * The three multipart calls s3rver 3 lacks and tus's S3Store makes (ListParts, AbortMultipartUpload,
 * ListMultipartUploads), answered as S3 documents them from the parts s3rver itself keeps on disk
 * (`<bucket>/._S3rver_uploads/<uploadId>/{key,<n>,<n>.md5}`).
 */
function multipartCalls(directory: string) {
  return async (ctx: KoaContext, next: () => Promise<void>) => {
    const [, bucket, ...rest] = ctx.path.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const uploads = path.join(directory, bucket ?? '', '._S3rver_uploads');
    const uploadId = ctx.query.uploadId;
    const reply = (body: string) => {
      ctx.status = 200;
      ctx.type = 'application/xml';
      ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    };
    if (key && uploadId !== undefined && (ctx.method === 'GET' || ctx.method === 'DELETE')) {
      const dir = path.join(uploads, path.basename(uploadId));
      if (!fs.existsSync(path.join(dir, 'key'))) return noSuchUpload(ctx);
      if (ctx.method === 'DELETE') {
        fs.rmSync(dir, { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = '';
        return;
      }
      const parts = fs
        .readdirSync(dir)
        .filter((n) => /^\d+$/.test(n) && fs.existsSync(path.join(dir, `${n}.md5`)))
        .map(Number)
        .sort((a, b) => a - b)
        .map((n) => {
          const st = fs.statSync(path.join(dir, String(n)));
          const md5 = fs.readFileSync(path.join(dir, `${n}.md5`), 'utf8');
          return `<Part><PartNumber>${n}</PartNumber><LastModified>${st.mtime.toISOString()}</LastModified><ETag>"${md5}"</ETag><Size>${st.size}</Size></Part>`;
        });
      return reply(`<ListPartsResult><Bucket>${xml(bucket)}</Bucket><Key>${xml(key)}</Key><UploadId>${xml(uploadId)}</UploadId><IsTruncated>false</IsTruncated>${parts.join('')}</ListPartsResult>`);
    }
    if (!key && bucket && ctx.method === 'GET' && ctx.query.uploads !== undefined) {
      const open = (fs.existsSync(uploads) ? fs.readdirSync(uploads) : []).filter((id) => fs.existsSync(path.join(uploads, id, 'key')));
      const items = open.map((id) => {
        const k = fs.readFileSync(path.join(uploads, id, 'key'), 'utf8');
        const initiated = fs.statSync(path.join(uploads, id, 'key')).mtime.toISOString();
        return `<Upload><Key>${xml(k)}</Key><UploadId>${id}</UploadId><Initiated>${initiated}</Initiated></Upload>`;
      });
      return reply(`<ListMultipartUploadsResult><Bucket>${xml(bucket)}</Bucket><IsTruncated>false</IsTruncated>${items.join('')}</ListMultipartUploadsResult>`);
    }
    await next();
  };
}

/** s3rver (a real S3-compatible server written in Node, from npm) on loopback, with one empty bucket. */
export async function startS3rver(bucket = 'airstudio-test'): Promise<RunningS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'airstudio-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  // Ahead of s3rver's router (the last middleware), which refuses these calls as not implemented.
  server.middleware.splice(server.middleware.length - 1, 0, multipartCalls(directory));
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    bucket,
    directory,
    env: {
      STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: '1'
    },
    async keys(prefix = '') {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
        for (const o of page.Contents ?? []) keys.push(o.Key!);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys;
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async close() {
      client.destroy();
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  };
}
