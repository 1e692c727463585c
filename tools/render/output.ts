/**
 * Writes a render to a directory, replacing an earlier render there. A directory that
 * holds anything but an earlier render is never touched, so `--out .` cannot wipe a tree.
 */
import * as fs from "fs";
import * as path from "path";
import { Render } from "./index";
import { ProjectError } from "../../lib/problems";

/** Marks a directory as render output, safe to replace. */
export const MARKER_FILE = ".render-output";
const MARKER_TEXT = "Written by `npm run render`; the whole directory is replaced on every render.\n";

export class RenderOutputError extends ProjectError {}

/** Throws when any file would hold secret material; the last line of defence. */
export function assertNoSecrets(render: Render): void {
  const offending = [...render.files.entries()].filter(([, content]) => render.containsSecret(content)).map(([file]) => file);
  if (offending.length > 0) throw new RenderOutputError(`refusing to write secret material to: ${offending.join(", ")}`);
}

export function writeRender(dir: string, render: Render): void {
  assertNoSecrets(render);
  if (fs.existsSync(dir)) {
    const entries = fs.readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER_FILE)) {
      throw new RenderOutputError(`${dir} exists and is not an earlier render output (no ${MARKER_FILE}); choose another --out`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, MARKER_FILE), MARKER_TEXT);
  for (const [file, content] of render.files) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
}
