// What a page may ask EvoLink for: the parameters picked from its body, the model checked against
// ALLOWED_MODELS, the type of every forwarded field checked for any model, then the package's
// own checks of the values. All of it runs before a create is counted or sent, so a refused
// request costs neither a create from the limits nor a credit.
import { EvoLinkClient } from 'evolink-tasks';
import { HttpError } from './http.mjs';

/** The parameters a page may choose; everything else in its body is dropped. */
const PARAMS = ['model', 'prompt', 'duration', 'quality', 'aspect_ratio', 'generate_audio',
  'image_urls', 'video_urls', 'audio_urls'];
export const DEFAULT_MODEL = 'seedance-2.0-text-to-video';
const MAX_URLS = 9; // the most any documented model takes (reference-to-video's images)
const MAX_URL_LENGTH = 2048;

const invalid = (message) => new HttpError(400, 'invalid_params', message);
const isUrl = (value) => {
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH) return false;
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
};

// The type of each field, for any model: the package checks the values of Seedance 2.0 models
// only, and forwards anything for the others (an object as `duration`, a string as `image_urls`).
const TYPES = {
  model: [(v) => typeof v === 'string' && v.trim() !== '', 'a model id'],
  prompt: [(v) => typeof v === 'string' && v.trim() !== '', 'a non-empty string'],
  duration: [(v) => Number.isSafeInteger(v) && v > 0, 'a whole number of seconds'],
  quality: [(v) => typeof v === 'string' && v.length <= 32, 'a string such as "720p"'],
  aspect_ratio: [(v) => typeof v === 'string' && v.length <= 32, 'a string such as "16:9"'],
  generate_audio: [(v) => typeof v === 'boolean', 'a boolean'],
  image_urls: [(v) => Array.isArray(v) && v.length <= MAX_URLS && v.every(isUrl), `an array of at most ${MAX_URLS} https URLs`],
  video_urls: [(v) => Array.isArray(v) && v.length <= MAX_URLS && v.every(isUrl), `an array of at most ${MAX_URLS} https URLs`],
  audio_urls: [(v) => Array.isArray(v) && v.length <= MAX_URLS && v.every(isUrl), `an array of at most ${MAX_URLS} https URLs`],
};

/**
 * The parameters to create from a page's body: 400 when a field has the wrong type, when the
 * model is not one of `models` (ALLOWED_MODELS), or when the package's checks refuse a value.
 */
export async function createParams(body, models) {
  const params = { model: DEFAULT_MODEL };
  for (const name of PARAMS) if (body[name] !== undefined) params[name] = body[name];
  if (params.prompt === undefined) throw invalid('"prompt" is required');
  for (const [name, value] of Object.entries(params)) {
    const [ok, what] = TYPES[name];
    if (!ok(value)) throw invalid(`"${name}" must be ${what}`);
  }
  if (!models.includes(params.model)) {
    throw new HttpError(400, 'model_not_allowed', `"model" must be one of ALLOWED_MODELS: ${models.join(', ')}`);
  }
  await packageChecks(params);
  return params;
}

// The package checks create parameters before it sends anything, and has no export that runs
// those checks alone; so they run as a create whose fetch never sends. Reaching fetch means
// every check passed. (No key, no network: the dry run's client only ever sees this fetch.)
async function packageChecks(params) {
  let passed = false;
  const dryRun = new EvoLinkClient({
    maxRetries: 0,
    fetch: () => {
      passed = true;
      return Promise.reject(new Error('dry run: not sent'));
    },
  });
  try {
    await dryRun.createVideo(params);
  } catch (e) {
    if (passed) return;
    if (e instanceof TypeError || e instanceof RangeError) throw invalid(e.message);
    throw e;
  }
}
