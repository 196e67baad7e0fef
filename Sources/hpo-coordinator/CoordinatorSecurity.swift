import ArgumentParser
import Foundation
import HPOTrials
import HPOZeroMQ
import Logging

/// A start-up failure, reported in a few lines without the usage text.
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Secure by default: CURVE keys for anything but loopback, an allow-list of worker keys
/// reloaded on SIGHUP or when its files change (docs/security.md).
enum CoordinatorSecurity {
    /// The CURVE settings for `endpoint`, or nil for plain text where that is allowed.
    static func settings(
        endpoint: String, curveSecret: String?, authorizedKeys: String?, insecure: Bool
    ) throws -> CurveServerSettings? {
        guard let curveSecret else {
            if authorizedKeys != nil {
                throw SetupFailure("--authorized-keys needs --curve-secret (the coordinator's key from `hpo keygen`)")
            }
            if isLoopback(endpoint) { return nil }
            if insecure {
                printErr(
                    """
                    warning: listening on \(endpoint) WITHOUT encryption or authentication (--insecure): anyone \
                    who reaches this port can read trials and report results
                    """
                )
                return nil
            }
            throw SetupFailure(
                """
                refusing to listen on \(endpoint) without encryption: anyone who reaches it could read the study \
                and report results.
                Make keys with `hpo keygen --out secrets` and start with
                  --curve-secret secrets/coordinator.key --authorized-keys secrets/workers
                (workers: --curve-key secrets/workers/worker.key --server-key secrets/coordinator.pub),
                or bind to 127.0.0.1, or pass --insecure to accept anyone.
                """)
        }
        guard let authorizedKeys else {
            throw SetupFailure(
                "--curve-secret needs --authorized-keys (a folder of worker .pub files, or a file of keys)")
        }
        do {
            let pair = try CurveKeyFile.readKeyPair(path: curveSecret)
            let keys = try CurveKeyFile.readAuthorizedKeys(path: authorizedKeys)
            if keys.isEmpty {
                printErr("warning: \(authorizedKeys) holds no worker keys: every worker will be refused")
            }
            return CurveServerSettings(keyPair: pair, authorizedKeys: keys)
        } catch let error as CurveKeyError {
            throw SetupFailure(error.description)
        }
    }

    /// Loopback and in-host transports, the only ones allowed without keys.
    static func isLoopback(_ endpoint: String) -> Bool { ZeroMQEndpoint.isLoopback(endpoint) }

    /// Logs what the ZAP handler and the socket monitor saw.
    static func log(_ event: SecurityEvent, logger: Logger) {
        switch event {
        case .admittedKey(let key, let address):
            logger.info("worker key admitted", metadata: ["key": "\(key)", "address": "\(address)"])
        case .refusedKey(let key, let address):
            logger.warning("refused a worker: key not authorised", metadata: ["key": "\(key)", "address": "\(address)"])
        case .handshakeFailed(let address, let reason):
            logger.warning("refused a connection: \(reason)", metadata: ["address": "\(address)"])
        }
    }
}

/// Reloads the allow-list when SIGHUP arrives or its files change.
final class AuthorizedKeysWatcher {
    let path: String
    private var stamp: String

    init(path: String) {
        self.path = path
        stamp = CurveKeyFile.authorizedKeysStamp(path: path)
    }

    /// Call on the transport's thread.
    func reloadIfNeeded(_ transport: ZeroMQServerTransport, hangup: Bool, logger: Logger) {
        reloadIfNeeded(hangup: hangup, logger: logger) { transport.authorizedKeys = $0 }
    }

    /// The same for any holder of keys (the control address has a socket of its own).
    func reloadIfNeeded(hangup: Bool, logger: Logger, apply: (Set<String>) -> Void) {
        let current = CurveKeyFile.authorizedKeysStamp(path: path)
        guard hangup || current != stamp else { return }
        stamp = current
        do {
            let keys = try CurveKeyFile.readAuthorizedKeys(path: path)
            apply(keys)
            logger.notice("authorised keys reloaded", metadata: ["path": "\(path)", "keys": "\(keys.count)"])
        } catch {
            logger.error("cannot reload authorised keys; keeping the previous ones", metadata: ["error": "\(error)"])
        }
    }
}

/// Local workers of a CURVE coordinator get a key pair made for this run, admitted by the
/// coordinator. It lives in a private folder made fresh for the run (`PrivateFolder`: mode 0700,
/// an unpredictable name), so no other local user can plant or read it.
struct EphemeralWorkerKey {
    let pair: CurveKeyPair
    let keyFile: String
    let folder: String

    init() throws {
        pair = try CurveKeyPair.generate()
        do {
            folder = try PrivateFolder.create(in: NSTemporaryDirectory(), prefix: "hpo-local-keys-")
        } catch {
            throw SetupFailure("cannot make a folder for the local workers' key: \(error)")
        }
        try CurveKeyFile.write(pair, directory: folder, name: "local-worker", overwrite: false)
        keyFile = "\(folder)/local-worker.key"
    }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}
