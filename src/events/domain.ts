/**
 * The typed API services call for the two business events of the ADR.
 * Safe with or without the preload: without it (and without another OTel SDK)
 * the calls cost a few property reads and export nothing. They never throw:
 * an invalid field is left out of the record and reported once on stderr.
 */
import { SeverityNumber, type Attributes as LogAttributes } from '@opentelemetry/api';
import { emitEvent, getRuntime } from './runtime';
import {
  ATTR_CUSTOMER_ID, ATTR_MODEL3D_COST, ATTR_MODEL3D_CURRENCY, ATTR_MODEL3D_FORMAT,
  ATTR_MODEL3D_MATERIAL, ATTR_MODEL3D_POLYGON_COUNT, ATTR_MODEL3D_PROCESSING_TIME_MS,
  ATTR_ORDER_NUMBER, ATTR_ORDER_PREVIOUS_STATUS, ATTR_ORDER_STATUS,
  EVENT_MODEL3D_PRICED, EVENT_ORDER_STATUS_CHANGED,
} from '../semconv';

/** An order moved from one status to another. */
export interface OrderStatusChange {
  /** Opaque customer id (not a name or e-mail). */
  customerId: string | number;
  /** The order number shown to customers and support. */
  orderNumber: string | number;
  /** The new status, e.g. `priced`. */
  status: string;
  /** The status before the change; omit for a newly created order. */
  previousStatus?: string;
}

/** A 3D model was priced: polygon count → processing time → cost. */
export interface ModelPricing {
  customerId: string | number;
  /** Number of polygons (triangles) in the model. */
  polygonCount: number;
  /** Model processing time in milliseconds. */
  processingTimeMs: number;
  /** Price in `currency`. */
  cost: number;
  /** ISO 4217 code; defaults to EUR. */
  currency?: string;
  /** File format, e.g. `stl-binary`, `obj`. */
  format?: string;
  /** Material the price was computed for, e.g. `PLA`. */
  material?: string;
}

const MAX_ID_CHARS = 128;
const reported = new Set<string>();

/** One stderr line per function and kind of problem, for the life of the process. */
function sayOnce(key: string, line: string): void {
  if (reported.has(key)) return;
  reported.add(key);
  process.stderr.write(`filament-otel: ${line}\n`);
}

/** False (and one line) when the argument is not an object: there is nothing to record. */
function isObject(fn: string, value: unknown): boolean {
  if (typeof value === 'object' && value !== null) return true;
  sayOnce(`${fn}()`, `${fn}() got ${value === null ? 'null' : typeof value} instead of an object; no record is emitted`);
  return false;
}

/** The caller's object threw (a getter, a proxy): said once, never rethrown. */
function failed(fn: string, err: unknown): void {
  sayOnce(`${fn}!`, `${fn}() could not read its argument (${thrownText(err)}); no record is emitted`);
}

/** What was thrown, as text; itself never throws (`String(Object.create(null))` does, so might a Proxy). */
function thrownText(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return typeof err;
  }
}

function reportOnce(fn: string, field: string, value: unknown, why: string): void {
  const key = `${fn}.${field}`;
  if (reported.has(key)) return;
  reported.add(key);
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : String(value);
  } catch {
    shown = typeof value;
  }
  process.stderr.write(`filament-otel: ${fn}() got ${field}=${shown} (${why}); the attribute is left out\n`);
}

function putId(attrs: LogAttributes, name: string, fn: string, field: string, value: unknown): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    attrs[name] = String(value);
  } else if (typeof value === 'string' && value !== '') {
    attrs[name] = value.length > MAX_ID_CHARS ? value.slice(0, MAX_ID_CHARS) : value;
  } else {
    reportOnce(fn, field, value, 'expected a non-empty string or a number');
  }
}

function putLabel(attrs: LogAttributes, name: string, fn: string, field: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'string' && value !== '') attrs[name] = value.length > 64 ? value.slice(0, 64) : value;
  else reportOnce(fn, field, value, 'expected a non-empty string');
}

function putNumber(attrs: LogAttributes, name: string, fn: string, field: string, value: unknown, integer: boolean): boolean {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && (!integer || Number.isInteger(value))) {
    attrs[name] = value;
    return true;
  }
  reportOnce(fn, field, value, integer ? 'expected a whole number ≥ 0' : 'expected a finite number ≥ 0');
  return false;
}

/** Emits `order.status_changed` (INFO) in the active trace context. */
export function orderStatusChanged(change: OrderStatusChange): void {
  if (!isObject('orderStatusChanged', change)) return;
  try {
    const rt = getRuntime();
    const attrs: LogAttributes = {};
    putId(attrs, ATTR_CUSTOMER_ID, 'orderStatusChanged', 'customerId', change.customerId);
    putId(attrs, ATTR_ORDER_NUMBER, 'orderStatusChanged', 'orderNumber', change.orderNumber);
    putLabel(attrs, ATTR_ORDER_STATUS, 'orderStatusChanged', 'status', change.status);
    putLabel(attrs, ATTR_ORDER_PREVIOUS_STATUS, 'orderStatusChanged', 'previousStatus', change.previousStatus);
    emitEvent(rt, EVENT_ORDER_STATUS_CHANGED, SeverityNumber.INFO, attrs);
  } catch (err) {
    // Telemetry must never break the caller.
    failed('orderStatusChanged', err);
  }
}

/** Emits `model3d.priced` (INFO) and records the pricing duration metric. */
export function modelPriced(pricing: ModelPricing): void {
  if (!isObject('modelPriced', pricing)) return;
  try {
    const rt = getRuntime();
    const attrs: LogAttributes = {};
    putId(attrs, ATTR_CUSTOMER_ID, 'modelPriced', 'customerId', pricing.customerId);
    putNumber(attrs, ATTR_MODEL3D_POLYGON_COUNT, 'modelPriced', 'polygonCount', pricing.polygonCount, true);
    const timed = putNumber(attrs, ATTR_MODEL3D_PROCESSING_TIME_MS, 'modelPriced', 'processingTimeMs', pricing.processingTimeMs, false);
    putNumber(attrs, ATTR_MODEL3D_COST, 'modelPriced', 'cost', pricing.cost, false);
    attrs[ATTR_MODEL3D_CURRENCY] = 'EUR';
    putLabel(attrs, ATTR_MODEL3D_CURRENCY, 'modelPriced', 'currency', pricing.currency);
    putLabel(attrs, ATTR_MODEL3D_FORMAT, 'modelPriced', 'format', pricing.format);
    putLabel(attrs, ATTR_MODEL3D_MATERIAL, 'modelPriced', 'material', pricing.material);
    emitEvent(rt, EVENT_MODEL3D_PRICED, SeverityNumber.INFO, attrs);
    if (timed) {
      const metricAttrs: Record<string, string> = {};
      if (attrs[ATTR_MODEL3D_FORMAT] !== undefined) metricAttrs[ATTR_MODEL3D_FORMAT] = attrs[ATTR_MODEL3D_FORMAT] as string;
      if (attrs[ATTR_MODEL3D_MATERIAL] !== undefined) metricAttrs[ATTR_MODEL3D_MATERIAL] = attrs[ATTR_MODEL3D_MATERIAL] as string;
      rt.instruments.pricingDuration.record(pricing.processingTimeMs / 1000, metricAttrs);
      const polygons = attrs[ATTR_MODEL3D_POLYGON_COUNT];
      if (typeof polygons === 'number') rt.instruments.pricingPolygons.add(polygons, metricAttrs);
    }
  } catch (err) {
    // Telemetry must never break the caller.
    failed('modelPriced', err);
  }
}
