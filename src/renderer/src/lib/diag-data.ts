/** Diagnostic payloads arrive as `unknown` JSON; these narrow them to the shapes in diagnostics.ts. */
import type { DiagnosticPayload } from '../../../shared/contract';
import type {
  GradNormDiagnostic,
  HistogramData,
  LayerNormDiagnostic,
  QualityDiagnostic,
  SurfaceDiagnostic,
  WassersteinDiagnostic,
  WeightDiagnostic,
} from '../../../shared/diagnostics';

const obj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isHistogram(v: unknown): v is HistogramData {
  return obj(v) && Array.isArray(v['edges']) && Array.isArray(v['counts']);
}

export function gradNorms(p: DiagnosticPayload | null): GradNormDiagnostic | null {
  return p && obj(p.data) && isHistogram(p.data['histogram'])
    ? (p.data as unknown as GradNormDiagnostic)
    : null;
}

export function layerNorms(p: DiagnosticPayload | null): LayerNormDiagnostic | null {
  return p && obj(p.data) && Array.isArray(p.data['names']) && Array.isArray(p.data['norms'])
    ? (p.data as unknown as LayerNormDiagnostic)
    : null;
}

export function weights(p: DiagnosticPayload | null): WeightDiagnostic | null {
  return p && obj(p.data) && Array.isArray(p.data['layers']) ? (p.data as unknown as WeightDiagnostic) : null;
}

export function wasserstein(p: DiagnosticPayload | null): WassersteinDiagnostic | null {
  return p && obj(p.data) && typeof p.data['heldOut'] === 'number'
    ? (p.data as unknown as WassersteinDiagnostic)
    : null;
}

export function surface(p: DiagnosticPayload | null): SurfaceDiagnostic | null {
  return p && obj(p.data) && typeof p.data['values'] === 'string'
    ? (p.data as unknown as SurfaceDiagnostic)
    : null;
}

export function quality(p: DiagnosticPayload | null): QualityDiagnostic | null {
  return p && obj(p.data) ? (p.data as QualityDiagnostic) : null;
}
