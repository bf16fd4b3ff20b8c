import assert from "node:assert/strict";
import { DEFAULT_DOCKER_SOCKET, DockerHostError, parseDockerHost } from "./docker_host.ts";

Deno.test("parseDockerHost: unset or empty is the default socket", () => {
  for (const value of [undefined, "", "  "]) {
    assert.deepEqual(parseDockerHost(value), {
      kind: "unix",
      socketPath: DEFAULT_DOCKER_SOCKET,
      url: "unix:///var/run/docker.sock",
    });
  }
});

Deno.test("parseDockerHost: unix sockets and TCP engines", () => {
  assert.deepEqual(parseDockerHost("unix:///run/user/1000/docker.sock"), {
    kind: "unix",
    socketPath: "/run/user/1000/docker.sock",
    url: "unix:///run/user/1000/docker.sock",
  });
  assert.deepEqual(parseDockerHost("tcp://10.0.0.5:2376"), {
    kind: "tcp",
    host: "10.0.0.5",
    port: 2376,
    url: "tcp://10.0.0.5:2376",
  });
  assert.deepEqual(parseDockerHost("tcp://docker.example"), {
    kind: "tcp",
    host: "docker.example",
    port: 2375,
    url: "tcp://docker.example:2375",
  });
  assert.deepEqual(parseDockerHost("tcp://[::1]:2375/", "0"), {
    kind: "tcp",
    host: "::1",
    port: 2375,
    url: "tcp://[::1]:2375",
  });
});

Deno.test("parseDockerHost: what it cannot use is refused with the forms that work", () => {
  assert.throws(() => parseDockerHost("unix://docker.sock"), /absolute path/);
  assert.throws(() => parseDockerHost("tcp://host:99999"), /expected tcp:\/\/HOST:PORT/);
  assert.throws(() => parseDockerHost("tcp://a:b:c"), DockerHostError);
  assert.throws(
    () => parseDockerHost("ssh://me@host"),
    /Unsupported DOCKER_HOST "ssh:\/\/me@host": use unix:\/\/\/path\/to\/docker.sock/,
  );
  assert.throws(
    () => parseDockerHost("tcp://10.0.0.5:2376", "1"),
    /Unsupported DOCKER_TLS_VERIFY=1/,
  );
});
