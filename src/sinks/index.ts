/** What the rest of src uses of sinks/: the rotated local JSON-lines files (fileSink.ts). */
export { RotatingFileLogExporter } from './fileSink';
