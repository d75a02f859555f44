// A loopback HTTP server standing in for a service a test must not reach for real (a non-S3
// endpoint, a misbehaving S3): it records each request and lets the test answer it.
import http from "node:http";

export interface FakeRequest {
  method: string;
  url: string;
  authorization: string | undefined;
}

export interface FakeHttpService {
  endpoint: string;
  /** Requests received, in order. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** `answer` gets each request (its body drained first, so a client never sees a reset mid-upload) and its 0-based number. */
export async function startFakeHttpService(
  answer: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<FakeHttpService> {
  const requests: FakeRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization });
    const n = requests.length - 1;
    req.resume();
    req.on("end", () => answer(req, res, n));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake service: no TCP address");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
