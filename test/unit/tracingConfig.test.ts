/** Where traces go, from OpenTelemetry's own variables (docs/observability.md "Traces"). */
import { describeConfig, parseEnv, resolveConfig } from '../../config';

const sandboxUrls = {
  vtex: 'http://127.0.0.1:1',
  deliveryEngine: 'http://127.0.0.1:2',
  abbiamo: 'http://127.0.0.1:3',
};
const tracingOf = (env: Record<string, string>) => resolveConfig(parseEnv(env), sandboxUrls).tracing;

describe('traces configuration', () => {
  it('exports nothing unless an OTLP endpoint is set', () => {
    expect(tracingOf({})).toEqual({ endpoint: undefined, serviceName: 'delivery-bridge' });
    expect(describeConfig(resolveConfig(parseEnv({}), sandboxUrls)).traces).toBe('off');
  });

  it('appends the traces path to the OTLP base, and takes a traces URL as it is', () => {
    expect(tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).endpoint).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      tracingOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/spans',
        OTEL_SERVICE_NAME: 'bridge-eu',
      }),
    ).toEqual({ endpoint: 'https://traces.example.com/otlp/spans', serviceName: 'bridge-eu' });
  });

  it('names the variable of a bad endpoint', () => {
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://c:4317' })).toThrow(
      /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT/,
    );
  });

  it('prints the destination without the credentials or query an endpoint may carry', () => {
    const config = resolveConfig(
      parseEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:s3cret@traces.example.com/v1/traces?key=k' }),
      sandboxUrls,
    );
    expect(describeConfig(config).traces).toBe('https://traces.example.com/v1/traces');
  });
});
