/**
 * Files a browser hands over: from an <input type="file" webkitdirectory> (each with its
 * webkitRelativePath) or a drop, where dropped folders are walked through the File and Directory Entries
 * API. Each comes with its path inside what was chosen ('pics/cat.png').
 */
import type { PickedFile } from './import.svelte';

/** At most this many files are collected from one drop or pick. */
export const MAX_PICKED_FILES = 20_000;

export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])]
    .slice(0, MAX_PICKED_FILES)
    .map((file) => ({ file, name: file.webkitRelativePath || file.name }));
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: PickedFile[]): Promise<void> {
  if (out.length >= MAX_PICKED_FILES) return;
  const name = `${prefix}${entry.name}`;
  if (entry.isFile) {
    out.push({ file: await fileOf(entry as FileSystemFileEntry), name });
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in batches until an empty one.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, `${name}/`, out);
    }
  }
}

/** The files of a drop, dropped folders walked; plain files when the browser gives no entries. */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...(data.items ?? [])]
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return filesFromInput(data.files);
  const out: PickedFile[] = [];
  for (const entry of entries) await walk(entry, '', out);
  return out;
}
