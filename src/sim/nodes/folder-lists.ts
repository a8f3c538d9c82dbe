/**
 * The enum lists ComfyUI builds from model folders (`folder_paths.get_filename_list`): sorted,
 * de-duplicated, with the legacy folder names merged into their successors (`unet` into
 * `diffusion_models`, `clip` into `text_encoders`), as `folder_paths.py` maps both directories
 * to one key.
 */
import type { ModelFolders } from './types.js';

/** Python `sorted()` on str compares code points; JS `<` on UTF-16 agrees for the BMP. */
function pySorted(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export const checkpointList = (f: ModelFolders): string[] => pySorted(f.checkpoints);
export const loraList = (f: ModelFolders): string[] => pySorted(f.loras);
export const upscaleModelList = (f: ModelFolders): string[] => pySorted(f.upscale_models);
export const diffusionModelList = (f: ModelFolders): string[] => pySorted([...f.unet, ...f.diffusion_models]);
export const textEncoderList = (f: ModelFolders): string[] => pySorted([...f.clip, ...f.text_encoders]);

/**
 * `VAELoader.vae_list()`: the vae folder, then TAESD names when both halves are in `vae_approx`
 * (the emulator has none), then `pixel_space`, appended unsorted.
 */
export const vaeList = (f: ModelFolders): string[] => [...pySorted(f.vae), 'pixel_space'];

/** Extensions `mimetypes` maps to `image/*`, which `filter_files_content_types(files, ["image"])` keeps. */
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.tif', '.tiff', '.ico', '.svg', '.avif', '.heic']);

/** `LoadImage`: input-folder files with an image content type. */
export function inputImageList(f: ModelFolders): string[] {
  return pySorted(
    f.input.filter((name) => {
      const dot = name.lastIndexOf('.');
      return dot >= 0 && IMAGE_EXTENSIONS.has(name.slice(dot).toLowerCase());
    }),
  );
}

/** `LoadImageMask`: every input-folder file, unfiltered (upstream does not filter here). */
export const inputFileList = (f: ModelFolders): string[] => pySorted(f.input);
