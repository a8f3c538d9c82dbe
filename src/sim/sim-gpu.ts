/**
 * The simulated GPU's memory: which model weights sit in VRAM, what the sampler holds while it
 * runs, and what torch's caching allocator has reserved. `/system_stats` reads it; the node
 * runners ask it to load weights (returning how many bytes had to move, which sets the load
 * time) and to allocate working memory (throwing {@link SimOomError} when nothing fits).
 */
import type { GpuProfile } from './profiles.js';

export class SimOomError extends Error {
  override readonly name = 'OutOfMemoryError';
  readonly requestedBytes: number;
  constructor(message: string, requestedBytes: number) {
    super(message);
    this.requestedBytes = requestedBytes;
  }
}

export interface LoadedModel {
  key: string;
  bytes: number;
  /** Bytes actually resident (less than `bytes` when partially loaded, lowvram-style). */
  residentBytes: number;
  lastUsedSeq: number;
  /** LoRA patches applied to the resident weights. */
  patch: string;
}

export interface VramSnapshot {
  vramTotalBytes: number;
  /** Driver free + torch reserved-but-unused, as ComfyUI reports `vram_free`. */
  vramFreeBytes: number;
  torchReservedBytes: number;
  torchActiveBytes: number;
  loadedModels: string[];
}

export type VramListener = (snap: VramSnapshot, reason: string) => void;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

export class SimGpu {
  readonly profile: GpuProfile;
  #models = new Map<string, LoadedModel>();
  #ramFiles = new Map<string, number>();
  #heldBytes = 0;
  #reservedBytes = 0;
  #seq = 0;
  #listener: VramListener | undefined;

  constructor(profile: GpuProfile) {
    this.profile = profile;
  }

  onChange(listener: VramListener): void {
    this.#listener = listener;
  }

  /** Bytes torch can still hand out: total minus CUDA context minus everything active. */
  get availableBytes(): number {
    return this.profile.vramBytes - this.profile.cudaContextBytes - this.activeBytes;
  }

  get activeBytes(): number {
    let sum = this.#heldBytes;
    for (const m of this.#models.values()) sum += m.residentBytes;
    return sum;
  }

  isLoaded(key: string): boolean {
    return this.#models.has(key);
  }

  /**
   * Makes `key` resident, evicting least-recently-used models except `keep`. Returns the bytes
   * that had to be uploaded (0 when already resident). When the weights cannot all fit next to
   * `reserveBytes` of working memory, loads what fits (ComfyUI's partial "lowvram" load) and
   * reports the rest as offloaded.
   */
  load(
    key: string,
    bytes: number,
    keep: readonly string[] = [],
    reserveBytes = 0,
    patch = '',
  ): { uploadedBytes: number; offloadedBytes: number; repatched: boolean } {
    const hit = this.#models.get(key);
    if (hit !== undefined) {
      hit.lastUsedSeq = ++this.#seq;
      const repatched = hit.patch !== patch;
      hit.patch = patch;
      return { uploadedBytes: 0, offloadedBytes: hit.bytes - hit.residentBytes, repatched };
    }
    this.#evictFor(bytes + reserveBytes, [...keep, key]);
    const room = Math.max(0, this.availableBytes - reserveBytes);
    const resident = Math.min(bytes, room);
    this.#models.set(key, { key, bytes, residentBytes: resident, lastUsedSeq: ++this.#seq, patch });
    this.#touchReserved(`load ${key}`);
    return { uploadedBytes: resident, offloadedBytes: bytes - resident, repatched: patch !== '' };
  }

  /** Working memory (activations, BenchFakeSampler's vram_mb); throws SimOomError if it cannot fit. */
  allocate(bytes: number, keep: readonly string[] = [], what = 'allocation'): () => void {
    this.#evictFor(bytes, keep);
    if (bytes > this.availableBytes) throw new SimOomError(this.oomText(bytes), bytes);
    this.#heldBytes += bytes;
    this.#touchReserved(what);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#heldBytes -= bytes;
      this.#emit(`release ${what}`);
    };
  }

  /** Would `bytes` of working memory fit if every model but `keep` were evicted? */
  couldFit(bytes: number, keep: readonly string[] = []): boolean {
    let keptBytes = this.#heldBytes;
    for (const m of this.#models.values()) if (keep.includes(m.key)) keptBytes += m.residentBytes;
    return bytes <= this.profile.vramBytes - this.profile.cudaContextBytes - keptBytes;
  }

  /** A model file read into RAM by a loader node (returns false if it already was). */
  holdInRam(file: string, bytes: number): boolean {
    if (this.#ramFiles.has(file)) return false;
    this.#ramFiles.set(file, bytes);
    return true;
  }

  /** Loader outputs dropped (`free_memory`): files must be read from disk again. */
  releaseRam(): void {
    this.#ramFiles.clear();
  }

  get ramModelBytes(): number {
    let sum = 0;
    for (const b of this.#ramFiles.values()) sum += b;
    return sum;
  }

  /** `comfy.model_management.unload_all_models()` followed by `soft_empty_cache()`. */
  unloadAll(): void {
    this.#models.clear();
    this.emptyCache('unload all');
  }

  /** Gives torch's cached-but-unused blocks back to the driver. */
  emptyCache(reason = 'empty cache'): void {
    this.#reservedBytes = this.activeBytes;
    this.#emit(reason);
  }

  snapshot(): VramSnapshot {
    const active = this.activeBytes;
    const reserved = Math.max(this.#reservedBytes, active);
    const driverFree = this.profile.vramBytes - this.profile.cudaContextBytes - reserved;
    return {
      vramTotalBytes: this.profile.vramBytes,
      vramFreeBytes: driverFree + (reserved - active),
      torchReservedBytes: reserved,
      torchActiveBytes: active,
      loadedModels: [...this.#models.keys()],
    };
  }

  #evictFor(bytes: number, keep: readonly string[]): void {
    const victims = [...this.#models.values()].filter((m) => !keep.includes(m.key)).sort((a, b) => a.lastUsedSeq - b.lastUsedSeq);
    for (const v of victims) {
      if (this.availableBytes >= bytes) break;
      this.#models.delete(v.key);
      this.#emit(`evict ${v.key}`);
    }
  }

  #touchReserved(reason: string): void {
    // The caching allocator keeps what it once reserved until empty_cache.
    this.#reservedBytes = Math.max(this.#reservedBytes, this.activeBytes);
    this.#emit(reason);
  }

  #emit(reason: string): void {
    this.#listener?.(this.snapshot(), reason);
  }

  /** torch's cudaMallocAsync OOM text for a request of `bytes`. */
  oomText(bytes: number): string {
    const fmt = (b: number, unit: number, name: string): string => `${(b / unit).toFixed(2)} ${name}`;
    return [
      `Allocation on device 0 would exceed allowed memory. (out of memory)`,
      `Currently allocated     : ${fmt(this.activeBytes, GIB, 'GiB')}`,
      `Requested               : ${fmt(bytes, bytes >= GIB ? GIB : MIB, bytes >= GIB ? 'GiB' : 'MiB')}`,
      `Device limit            : ${fmt(this.profile.vramBytes, GIB, 'GiB')}`,
      `Free (according to CUDA): ${fmt(Math.max(0, this.availableBytes), MIB, 'MiB')}`,
      `PyTorch limit (set by user-supplied memory fraction)`,
      `                        : 17179869184.00 GiB`,
    ].join('\n');
  }
}
