// tls_device_keys.mjs SERVER_KEY SERVER_CERT CLIENT_KEY CLIENT_CERT CA [MAX_VERSION] - tls.createServer
// and tls.connect in one process, both with device keys (key-reference PEMs) and mutual TLS: the
// server asks for and checks the client's certificate. Prints what each side saw.
import fs from 'node:fs';
import tls from 'node:tls';
import {run} from './device_key.mjs';

const [serverKey, serverCert, clientKey, clientCert, ca] = process.argv.slice(2, 7).map((f) => fs.readFileSync(f));
const maxVersion = process.argv[7] ?? 'TLSv1.3';

await run(() => new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no handshake within 20 s')), 20000);
  const server = tls.createServer({key: serverKey, cert: serverCert, ca, requestCert: true, rejectUnauthorized: true, maxVersion},
    (socket) => socket.end(`client ${socket.getPeerCertificate().subject.CN} authorized ${socket.authorized}\n`));
  server.on('tlsClientError', (error) => { clearTimeout(timer); server.close(); reject(error); });
  server.listen(0, '127.0.0.1', () => {
    const socket = tls.connect({port: server.address().port, host: '127.0.0.1', servername: 'localhost', ca,
      key: clientKey, cert: clientCert, maxVersion});
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk; });
    socket.on('end', () => {
      clearTimeout(timer);
      server.close();
      console.log(`${socket.getProtocol()} server ${socket.getPeerCertificate().subject.CN} authorized ${socket.authorized}; ${answer.trim()}`);
      resolve();
    });
    socket.on('error', (error) => { clearTimeout(timer); server.close(); reject(error); });
  });
}));
