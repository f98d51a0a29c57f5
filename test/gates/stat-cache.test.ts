/** File digests remembered by stat (scripts/kube/stat-cache.ts), as git's index remembers them. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StatCache } from '../../scripts/kube/stat-cache';
import { existingFiles } from '../../charts/synth/write';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function scratch(): { root: string; home: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-root-'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-home-'));
  made.push(root, home);
  return { root, home };
}
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** Digests of every file through a new cache (a new run), with the cache's counters. */
function run(root: string, home: string, files: readonly string[], env = {}, racyMs = 0) {
  const cache = new StatCache(root, home, env, racyMs);
  const digests = files.map((f) => cache.digest(f, path.join(root, f)));
  cache.save();
  return { digests, hashed: cache.hashed, trusted: cache.trusted };
}

describe('digests remembered by stat', () => {
  const files = ['a.yaml', 'b.yaml', 'c.yaml'];
  const write = (root: string, f: string, text: string) => fs.writeFileSync(path.join(root, f), text);

  it('reads each file once, then trusts unchanged stats; a rewrite in place is read again', () => {
    const { root, home } = scratch();
    for (const f of files) write(root, f, `kind: ${f}\n`);
    const first = run(root, home, files);
    expect(first.digests).toEqual(files.map((f) => sha(`kind: ${f}\n`)));
    expect(first).toMatchObject({ hashed: 3, trusted: 0 });
    expect(run(root, home, files)).toMatchObject({ digests: first.digests, hashed: 0, trusted: 3 });

    // Planted fault: the same size and the old modification time, new content. Only the change
    // time (which no user can set back) tells; the digest must follow the content.
    const st = fs.statSync(path.join(root, 'b.yaml'));
    write(root, 'b.yaml', 'kind: b.yamX\n');
    fs.utimesSync(path.join(root, 'b.yaml'), st.atime, st.mtime);
    expect(fs.statSync(path.join(root, 'b.yaml')).size).toBe(st.size);
    const after = run(root, home, files);
    expect(after.digests).toEqual([first.digests[0], sha('kind: b.yamX\n'), first.digests[2]]);
    expect(after).toMatchObject({ hashed: 1, trusted: 2 });
  });

  it('does not trust a file changed just before the record was written (racy), nor anything with memory off', () => {
    const { root, home } = scratch();
    for (const f of files) write(root, f, `kind: ${f}\n`);
    run(root, home, files, {}, 60_000);
    expect(run(root, home, files, {}, 60_000)).toMatchObject({ hashed: 3, trusted: 0 });
    // The racy run read them again and wrote its own record: now they are old enough.
    expect(run(root, home, files)).toMatchObject({ hashed: 0, trusted: 3 });
    expect(run(root, home, files, { VALIDATE_CACHE: 'off' })).toMatchObject({ hashed: 3, trusted: 0 });
    // Memory off writes nothing: a later run still trusts what the last run with memory wrote.
    expect(run(root, home, files)).toMatchObject({ hashed: 0, trusted: 3 });
  });

  /** Waits past the file system's clock tick, so that the next change time differs. */
  const tick = () => {
    const until = Date.now() + 20;
    while (Date.now() < until);
  };

  it('forgets files that are gone and reads a file that replaced one (a new inode)', () => {
    const { root, home } = scratch();
    for (const f of files) write(root, f, `kind: ${f}\n`);
    // Past the clock tick of the writes, so that no entry is racy.
    tick();
    run(root, home, files);
    fs.rmSync(path.join(root, 'c.yaml'));
    expect(run(root, home, files.slice(0, 2))).toMatchObject({ hashed: 0, trusted: 2 });
    // A later tick: within the same one, a replacement can match the old stat but for its inode.
    tick();
    write(root, 'c.yaml', 'kind: c.yaml\n');
    fs.renameSync(path.join(root, 'c.yaml'), path.join(root, 'a.yaml'));
    const r = run(root, home, files.slice(0, 2));
    expect(r.digests[0]).toBe(sha('kind: c.yaml\n'));
    expect(r).toMatchObject({ hashed: 1, trusted: 1 });
  });

  it('follows a hard link made and removed through it: the next run trusts the file still', () => {
    const { root, home } = scratch();
    for (const f of files) write(root, f, `kind: ${f}\n`);
    run(root, home, files);
    const links = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-links-'));
    made.push(links);
    tick();
    const cache = new StatCache(root, home, {}, 0);
    for (const f of files) cache.digest(f, path.join(root, f));
    cache.link('b.yaml', path.join(root, 'b.yaml'), path.join(links, 'b.yaml'));
    tick();
    cache.unlink('b.yaml', path.join(links, 'b.yaml'));
    expect(cache.restamped).toBe(1);
    cache.save();
    expect(run(root, home, files)).toMatchObject({ hashed: 0, trusted: 3 });

    // Planted fault: the same link made and removed outside the cache changes the file's change
    // time, and the next run reads the file again.
    tick();
    fs.linkSync(path.join(root, 'b.yaml'), path.join(links, 'b.yaml'));
    tick();
    fs.unlinkSync(path.join(links, 'b.yaml'));
    expect(run(root, home, files)).toMatchObject({ hashed: 1, trusted: 2 });
  });

  it('does not follow a file rewritten while linked, even with its size and modification time kept', () => {
    const { root, home } = scratch();
    for (const f of files) write(root, f, `kind: ${f}\n`);
    run(root, home, files);
    const links = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-links-'));
    made.push(links);
    const cache = new StatCache(root, home, {}, 0);
    for (const f of files) cache.digest(f, path.join(root, f));
    const b = path.join(root, 'b.yaml');
    cache.link('b.yaml', b, path.join(links, 'b.yaml'));
    tick();
    const st = fs.statSync(b);
    write(root, 'b.yaml', 'kind: b.yamX\n');
    fs.utimesSync(b, st.atime, st.mtime);
    tick();
    cache.unlink('b.yaml', path.join(links, 'b.yaml'));
    expect(cache.restamped).toBe(0);
    cache.save();
    const after = run(root, home, files);
    expect(after.digests[1]).toBe(sha('kind: b.yamX\n'));
    expect(after).toMatchObject({ hashed: 1, trusted: 2 });
  });
});

describe('folders remembered by stat (StatCache.files)', () => {
  const tick = () => {
    const until = Date.now() + 20;
    while (Date.now() < until);
  };
  /** Every file under dist/ and argocd/ with its digest, read from nothing. */
  const truth = (root: string) =>
    new Map(existingFiles(root, ['argocd', 'dist']).map((f) => [f, sha(fs.readFileSync(path.join(root, f), 'utf8'))]));
  function walk(root: string, home: string, racyMs = 0) {
    const cache = new StatCache(root, home, {}, racyMs);
    const files = cache.files(root, ['dist', 'argocd']);
    cache.save();
    return { files, listed: cache.listed, trustedDirs: cache.trustedDirs, hashed: cache.hashed };
  }
  const put = (root: string, f: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  };
  // Names whose path order differs from a folder-by-folder order: 'a-b.yaml' sorts before 'a/'.
  const tree = [
    'dist/dev/a-b.yaml',
    'dist/dev/a/x.yaml',
    'dist/dev/a/b/y.yaml',
    'dist/dev/ab.yaml',
    'argocd/dev/z.yaml',
  ];
  /** A scratch root holding the tree, past the clock tick of its writes. */
  const withTree = () => {
    const made = scratch();
    for (const f of tree) put(made.root, f, `kind: ${f}\n`);
    tick();
    return made;
  };

  it('lists every file in path order, then lists nothing and reads nothing while no folder changed', () => {
    const { root, home } = withTree();
    const first = walk(root, home);
    expect([...first.files]).toEqual([...truth(root)]);
    expect(first).toMatchObject({ listed: 6, trustedDirs: 0, hashed: 5 });
    const again = walk(root, home);
    expect([...again.files]).toEqual([...truth(root)]);
    expect(again).toMatchObject({ listed: 0, trustedDirs: 6, hashed: 0 });
  });

  it('finds a file created, deleted or replaced in a remembered folder, and lists only that folder', () => {
    const { root, home } = withTree();
    walk(root, home);
    tick();
    put(root, 'dist/dev/a/b/new.yaml', 'kind: new\n');
    tick();
    let r = walk(root, home);
    expect([...r.files]).toEqual([...truth(root)]);
    expect(r).toMatchObject({ listed: 1, trustedDirs: 5, hashed: 1 });
    tick();
    fs.rmSync(path.join(root, 'dist/dev/a/x.yaml'));
    put(root, 'dist/dev/tmp.yaml', 'kind: replaced\n');
    fs.renameSync(path.join(root, 'dist/dev/tmp.yaml'), path.join(root, 'dist/dev/ab.yaml'));
    tick();
    r = walk(root, home);
    expect([...r.files]).toEqual([...truth(root)]);
    expect(r.files.get('dist/dev/ab.yaml')).toBe(sha('kind: replaced\n'));
    expect(r).toMatchObject({ listed: 2, hashed: 1 });
    tick();
    put(root, 'dist/dev/c/d/e.yaml', 'kind: deep\n');
    tick();
    r = walk(root, home);
    expect([...r.files]).toEqual([...truth(root)]);
    expect(r.files.has('dist/dev/c/d/e.yaml')).toBe(true);
    // What the runs wrote (the folders trusted whole copied from the record they loaded) is trusted whole.
    tick();
    const settled = walk(root, home);
    expect([...settled.files]).toEqual([...truth(root)]);
    expect(settled).toMatchObject({ listed: 0, trustedDirs: 8, hashed: 0 });
  });

  it('lists a folder whose time was set back after a change (its change time tells), and a racy one', () => {
    const { root, home } = withTree();
    // A whole second, which utimes sets back exactly.
    const dir = path.join(root, 'dist/dev/a');
    fs.utimesSync(dir, 1_700_000_000, 1_700_000_000);
    tick();
    expect(walk(root, home).listed).toBe(6);
    expect(walk(root, home).listed).toBe(0);
    tick();
    // Planted fault: a file added and the folder's modification time restored; a folder trusted by
    // its modification time alone would hide the new file.
    put(root, 'dist/dev/a/hidden.yaml', 'kind: hidden\n');
    fs.utimesSync(dir, 1_700_000_000, 1_700_000_000);
    expect(fs.statSync(dir).mtimeMs).toBe(1_700_000_000_000);
    tick();
    const r = walk(root, home);
    expect(r.files.get('dist/dev/a/hidden.yaml')).toBe(sha('kind: hidden\n'));
    expect(r.listed).toBe(1);
    // Folders changed within the racy window of the record's writing are listed again.
    walk(root, home, 60_000);
    expect(walk(root, home, 60_000)).toMatchObject({ listed: 6, trustedDirs: 0 });
  });

  it('trusts a folder whose files were linked and unlinked right before the record was written', () => {
    const { root, home } = withTree();
    const wait = (ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until);
    };
    wait(150);
    // As the secrets gate does: every file linked elsewhere and unlinked, then the record written.
    const links = fs.mkdtempSync(path.join(os.tmpdir(), 'stat-links-'));
    made.push(links);
    const cache = new StatCache(root, home, {}, 100);
    const files = cache.files(root, ['dist', 'argocd']);
    for (const f of files.keys()) cache.link(f, path.join(root, f), path.join(links, f.replaceAll('/', '_')));
    for (const f of files.keys()) cache.unlink(f, path.join(links, f.replaceAll('/', '_')));
    cache.save();
    wait(150);
    const next = walk(root, home, 100);
    expect([...next.files]).toEqual([...truth(root)]);
    expect(next).toMatchObject({ listed: 0, trustedDirs: 6, hashed: 0 });
    // A folder listed later reads only its new file: the record holds the stats the links left.
    wait(150);
    put(root, 'dist/dev/new.yaml', 'kind: new\n');
    wait(150);
    expect(walk(root, home, 100)).toMatchObject({ listed: 1, hashed: 1 });
  });

  it('reads a file rewritten in place in a remembered folder, even with its size and modification time kept', () => {
    const { root, home } = withTree();
    // A whole second, which utimes sets back exactly.
    const file = path.join(root, 'dist/dev/a/x.yaml');
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    tick();
    walk(root, home);
    tick();
    fs.writeFileSync(path.join(root, 'dist/dev/ab.yaml'), 'kind: rewritten\n');
    // Planted fault: the same size and modification time, other bytes; only the change time tells.
    fs.writeFileSync(file, 'kind: dist/dev/a/X.yaml\n');
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    tick();
    const r = walk(root, home);
    expect([...r.files]).toEqual([...truth(root)]);
    expect(r.files.get('dist/dev/a/x.yaml')).toBe(sha('kind: dist/dev/a/X.yaml\n'));
    expect(r).toMatchObject({ listed: 0, trustedDirs: 6, hashed: 2 });
    // Read once: the run after trusts them again.
    tick();
    expect(walk(root, home)).toMatchObject({ listed: 0, hashed: 0 });
  });

  it('keeps the per-file trust of `digest` for files of listed folders', () => {
    const { root, home } = withTree();
    walk(root, home);
    tick();
    put(root, 'dist/dev/a/new.yaml', 'kind: new\n');
    tick();
    // The folder is listed; of its files only the new one is read.
    expect(walk(root, home)).toMatchObject({ listed: 1, hashed: 1 });
  });

  it('takes the stats that helper threads compared, and still reads a file rewritten in place', () => {
    const { root, home } = scratch();
    const files = ['a', 'b', 'c'].flatMap((d) => Array.from({ length: 30 }, (_, i) => `dist/dev/${d}/f${i}.yaml`));
    for (const f of files) put(root, f, `kind: ${f}\n`);
    tick();
    walk(root, home);
    tick();
    const file = path.join(root, 'dist/dev/b/f7.yaml');
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    // Recorded with its time set back, so that the rewrite below keeps size and modification time.
    walk(root, home);
    tick();
    // Planted fault: other bytes, the same size and modification time; only the change time tells.
    fs.writeFileSync(file, 'kind: dist/dev/b/F7.yaml\n');
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
    fs.writeFileSync(path.join(root, 'dist/dev/c/f29.yaml'), 'kind: rewritten\n');
    tick();
    // Helpers from one file on, eight files a chunk; they finish every chunk before the walk starts.
    const cache = new StatCache(root, home, {}, 0, 1, 8);
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let waited = 0; !cache.helpersIdle() && waited < 10_000; waited += 10) Atomics.wait(pause, 0, 0, 10);
    expect(cache.helpersIdle()).toBe(true);
    const digests = cache.files(root, ['dist', 'argocd']);
    expect([...digests]).toEqual([...truth(root)]);
    expect(digests.get('dist/dev/b/f7.yaml')).toBe(sha('kind: dist/dev/b/F7.yaml\n'));
    expect(cache).toMatchObject({ helped: files.length, hashed: 2, listed: 0 });
    // Racing them: the walk stats what no helper has done yet; the answer is the same.
    cache.save();
    tick();
    const racing = new StatCache(root, home, {}, 0, 1, 8);
    expect([...racing.files(root, ['dist', 'argocd'])]).toEqual([...truth(root)]);
    expect(racing).toMatchObject({ trusted: files.length, hashed: 0 });
  });
});
