/**
 * What the rest of src uses of masking/: the masking engine (masker.ts) that events/, logs/,
 * http/ and crash.ts share, and content capture (capture.ts) for queue bodies and error text.
 * jsonKeys.ts is the masker's own JSON reading.
 */
export { MASK, Masker, safeText, type MaskedValue, type MaskTally } from './masker';
export { jsonKeyAt, type JsonKey } from './jsonKeys';
export {
  captureContent, MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, type CapturedContent, type ContentKind,
} from './capture';
