/**
 * Unscaled service times (ms) of the simulated GPU: pure functions of the GPU profile, the
 * model family and the work size. The worker multiplies them by `timeScale` when it sleeps and
 * records both figures in the ground truth.
 */
import type { FamilyProfile, GpuProfile } from './profiles.js';

const MP = 1_000_000;

/** Reading a safetensors file from disk into RAM (cold checkpoint load). */
export function diskLoadMs(bytes: number, gpu: GpuProfile): number {
  return (bytes / (gpu.diskReadGBps * 1e9)) * 1000;
}

/** Uploading weights from RAM to VRAM ("model load" in ComfyUI's log). */
export function uploadMs(bytes: number, gpu: GpuProfile): number {
  return (bytes / (gpu.hostToDeviceGBps * 1e9)) * 1000;
}

export interface StepWork {
  width: number;
  height: number;
  batch: number;
  /** cfg == 1 skips the unconditional pass in ComfyUI. */
  cfg: number;
}

/**
 * One sampler step: a fixed overhead share plus a part that grows with pixels × batch
 * (slightly super-linear: attention), divided by the GPU's relative speed.
 */
export function stepMs(family: FamilyProfile, gpu: GpuProfile, work: StepWork): number {
  const refWork = (family.refWidth * family.refHeight) / MP;
  const ratio = (((work.width * work.height) / MP) * Math.max(1, work.batch)) / refWork;
  const shape = family.stepOverheadShare + (1 - family.stepOverheadShare) * Math.pow(ratio, family.stepExponent);
  const cfgFactor = work.cfg === 1 ? family.cfgOneFactor : (family.cfgGtOneFactor ?? 1);
  return (family.stepMsRef * shape * cfgFactor) / gpu.relativeSpeed;
}

/** Time from the sampler's start to its first step when the model is already on the GPU. */
export function samplerSetupMs(family: FamilyProfile, gpu: GpuProfile): number {
  return (family.samplerSetupMs ?? 60) / Math.sqrt(gpu.relativeSpeed);
}

/** Fixed part of BenchFakeSampler's setup (graph bookkeeping before the ballast is made), ms. */
const FAKE_SETUP_BASE_MS = 4;
/** Filling ballast memory the allocator already holds, ms per MiB. */
const FAKE_SETUP_WARM_MS_PER_MIB = 0.45;
/** Extra for memory the allocator has never held before (first touch of new pages), ms per MiB. */
const FAKE_SETUP_COLD_MS_PER_MIB = 1.0;

/**
 * BenchFakeSampler's time from its `executing` to its first step: making its `vram_mb` ballast.
 * Fitted to the recorded server: 16 MiB warm ≈ 11 ms; 600 MiB ≈ 270–290 ms warm and ≈ 880 ms the
 * first time (first intervals of 980, 370 and 389 ms for a 100 ms step), so a large ballast makes
 * the setup many times longer than a step. `newMiB`: how much of it the allocator had to reserve anew.
 */
export function fakeSamplerSetupMs(ballastMiB: number, newMiB: number): number {
  return FAKE_SETUP_BASE_MS + FAKE_SETUP_WARM_MS_PER_MIB * Math.max(0, ballastMiB) + FAKE_SETUP_COLD_MS_PER_MIB * Math.max(0, newMiB);
}

/**
 * Offloaded (partially loaded) weights stream over the bus every step; pinned, overlapped
 * copies run at about 2.5× the one-off model-load rate.
 */
export function offloadPerStepMs(offloadedBytes: number, gpu: GpuProfile): number {
  return offloadedBytes > 0 ? uploadMs(offloadedBytes, gpu) / 2.5 : 0;
}

export function textEncodeMs(family: FamilyProfile, gpu: GpuProfile): number {
  return family.textEncodeMs / gpu.relativeSpeed;
}

export function vaeDecodeMs(family: FamilyProfile, gpu: GpuProfile, width: number, height: number, batch: number): number {
  return 2 + (family.vaeDecodeMsPerMp * ((width * height) / MP) * Math.max(1, batch)) / gpu.relativeSpeed;
}

export function vaeEncodeMs(family: FamilyProfile, gpu: GpuProfile, width: number, height: number, batch: number): number {
  return 2 + (family.vaeEncodeMsPerMp * ((width * height) / MP) * Math.max(1, batch)) / gpu.relativeSpeed;
}

export function upscaleMs(family: FamilyProfile, gpu: GpuProfile, width: number, height: number, batch: number): number {
  return 3 + ((family.upscaleMsPerInputMp ?? 250) * ((width * height) / MP) * Math.max(1, batch)) / gpu.relativeSpeed;
}

/** PNG compression (compress_level 4) and the metadata dump: CPU work, not GPU-bound. */
export function saveMs(width: number, height: number, batch: number): number {
  return Math.max(1, batch) * (3 + 28 * ((width * height) / MP));
}

/** Cheap image/latent bookkeeping nodes. */
export function lightOpMs(width: number, height: number, batch: number): number {
  return 0.2 + 2 * ((width * height) / MP) * Math.max(1, batch);
}

/** Sampler working memory. */
export function activationBytes(family: FamilyProfile, width: number, height: number, batch: number): number {
  return Math.round(family.activationBytesPerMp * ((width * height) / MP) * Math.max(1, batch));
}

export function vaeDecodeBytes(family: FamilyProfile, width: number, height: number, batch: number): number {
  return Math.round(family.vaeDecodeBytesPerMp * ((width * height) / MP) * Math.max(1, batch));
}
