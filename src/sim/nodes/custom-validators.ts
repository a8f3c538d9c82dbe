/**
 * The `VALIDATE_INPUTS` class methods of the registered nodes. In 0.3.64 only LoadImage and
 * LoadImageMask define one (`VALIDATE_INPUTS(s, image)`): it checks that the file exists, and it
 * makes the validator skip the enum check for `image`, so a missing file is reported as
 * `custom_validation_failed` ("image - Invalid image file: x.png"), never `value_not_in_list`.
 */
import type { ObjectInfo } from '../../comfy/http-types.js';
import { PyError } from './py-coerce.js';
import { pyTypeName } from './py-format.js';

export interface CustomValidator {
  /** `inspect.getfullargspec(...).args`, bound classmethod included ('s'), as upstream reads it. */
  args: string[];
  /** Returns True, False or a message string, like the Python method; throws PyError on a bad call. */
  run(args: Record<string, unknown>, objectInfo: ObjectInfo): true | false | string;
}

/** Files the emulator's input folder holds: LoadImageMask lists all of them, LoadImage only images. */
function inputFolderFiles(objectInfo: ObjectInfo): unknown[] {
  for (const cls of ['LoadImageMask', 'LoadImage']) {
    const list = objectInfo[cls]?.input.required?.image?.[0];
    if (Array.isArray(list)) return list;
  }
  return [];
}

/**
 * `folder_paths.exists_annotated_filepath`: a " [input]" / " [output]" / " [temp]" suffix picks the
 * folder. The emulator knows only the input folder's listing, so names annotated with output or
 * temp are taken to exist (the worker reports a missing one at run time).
 */
function existsAnnotatedFilepath(name: unknown, objectInfo: ObjectInfo): boolean {
  if (typeof name !== 'string')
    throw new PyError('AttributeError', `'${pyTypeName(name)}' object has no attribute 'endswith'`, 'if name.endswith("[output]"):');
  if (name.endsWith('[output]') || name.endsWith('[temp]')) return true;
  const bare = name.endsWith('[input]') ? name.slice(0, -8) : name;
  return inputFolderFiles(objectInfo).includes(bare);
}

function imageFileValidator(className: string): CustomValidator {
  return {
    args: ['s', 'image'],
    run(args, objectInfo) {
      if (!('image' in args)) {
        throw new PyError('TypeError', `${className}.VALIDATE_INPUTS() missing 1 required positional argument: 'image'`, 'return f(**inputs)');
      }
      const image = args.image;
      return existsAnnotatedFilepath(image, objectInfo) ? true : `Invalid image file: ${String(image)}`;
    },
  };
}

export const CUSTOM_VALIDATORS: Partial<Record<string, CustomValidator>> = {
  LoadImage: imageFileValidator('LoadImage'),
  LoadImageMask: imageFileValidator('LoadImageMask'),
};
