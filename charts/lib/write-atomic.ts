/**
 * Writes a file whole or not at all: its folder is created, the content goes to a temporary name
 * beside it (`<file>.tmp-<pid>`, which readers of the folder skip), and a rename puts it in place,
 * so a concurrent reader sees the old file or the new one, never half of one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeAtomic(file: string, data: string | NodeJS.ArrayBufferView): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
