import CZeroMQ
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A CURVE key pair, each key Z85 text (40 characters).
package struct CurveKeyPair: Hashable, Sendable {
    package var publicKey: String
    package var secretKey: String

    package init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair from libzmq.
    package static func generate() throws -> CurveKeyPair {
        let pair = try ZeroMQ.curveKeyPair()
        return CurveKeyPair(publicKey: pair.publicKey, secretKey: pair.secretKey)
    }
}

/// A key file that cannot be read or written, with the file and line.
package struct CurveKeyError: Error, CustomStringConvertible, Sendable {
    package var description: String
    init(_ description: String) { self.description = description }
}

/// Key files, as `hpo keygen` writes them (docs/security.md):
///
///     NAME.key   (mode 0600)          NAME.pub
///     # swift-hpo CURVE secret key    # swift-hpo CURVE public key
///     public-key = <Z85>              public-key = <Z85>
///     secret-key = <Z85>
package enum CurveKeyFile {
    /// Writes `directory/name.key` (0600) and `directory/name.pub`. Existing files are an error
    /// unless `overwrite`.
    package static func write(_ pair: CurveKeyPair, directory: String, name: String, overwrite: Bool) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let secretPath = "\(directory)/\(name).key"
        let publicPath = "\(directory)/\(name).pub"
        if !overwrite {
            for path in [secretPath, publicPath] where FileManager.default.fileExists(atPath: path) {
                throw CurveKeyError(
                    "\(path) already exists; pass --force to replace it (workers holding the old key will be refused)")
            }
        }
        let secretText =
            """
            # swift-hpo CURVE secret key: keep private\npublic-key = \(pair.publicKey)\nsecret-key = \
            \(pair.secretKey)\n
            """
        try writeFile(secretPath, secretText, mode: 0o600)
        try writeFile(publicPath, "# swift-hpo CURVE public key\npublic-key = \(pair.publicKey)\n", mode: 0o644)
    }

    /// Reads a `.key` file: both keys, checked to belong together.
    package static func readKeyPair(path: String) throws -> CurveKeyPair {
        let fields = try readFields(path: path)
        guard let secret = fields["secret-key"] else {
            throw CurveKeyError("\(path): no 'secret-key = …' line; is this a .key file from `hpo keygen`?")
        }
        let derived = try ZeroMQ.curvePublicKey(fromSecret: secret, path: path)
        if let stated = fields["public-key"], stated != derived {
            throw CurveKeyError("\(path): the public key does not match the secret key")
        }
        return CurveKeyPair(publicKey: derived, secretKey: secret)
    }

    /// Reads a public key: a `.pub` or `.key` file, or the 40-character key itself.
    /// The key is checked to be valid Z85 for 32 bytes, so a mistyped key fails here, with its
    /// source, rather than as a handshake that never completes.
    package static func readPublicKey(_ fileOrKey: String) throws -> String {
        if !FileManager.default.fileExists(atPath: fileOrKey), isZ85Key(fileOrKey) {
            guard ZeroMQ.isCurveKey(fileOrKey) else {
                throw CurveKeyError(
                    "'\(fileOrKey)' is not a CURVE public key: 40 Z85 characters that decode to 32 bytes")
            }
            return fileOrKey
        }
        guard let key = try readFields(path: fileOrKey)["public-key"] else {
            throw CurveKeyError("\(fileOrKey): no 'public-key = …' line")
        }
        guard ZeroMQ.isCurveKey(key) else {
            throw CurveKeyError("\(fileOrKey): the public key is not valid Z85 for 32 bytes")
        }
        return key
    }

    /// The public keys of authorised workers: every `*.pub` file in a folder, or one file with
    /// `public-key = …` lines or bare keys (one per line; `#` starts a comment).
    package static func readAuthorizedKeys(path: String) throws -> Set<String> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CurveKeyError("\(path): no such file or folder of authorised worker keys")
        }
        guard isDirectory.boolValue else { return Set(try readKeyLines(path: path)) }
        let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".pub") }.sorted()
        var keys = Set<String>()
        for name in names { keys.formUnion(try readKeyLines(path: "\(path)/\(name)")) }
        return keys
    }

    /// A fingerprint of the allow-list's files (names and contents), to notice changes. Contents,
    /// not modification times: Kubernetes updates a mounted Secret by swapping a symbolic link,
    /// which leaves the times of the paths seen here unchanged.
    package static func authorizedKeysStamp(path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "" }
        let files =
            isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".pub") }
                .sorted().map { "\(path)/\($0)" }
            : [path]
        return files.map { file in
            let contents = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            return "\(file)=\(contents)"
        }.joined(separator: "\n")
    }

    static func isZ85Key(_ text: String) -> Bool {
        text.utf8.count == 40 && text.allSatisfy { $0.isASCII && !$0.isWhitespace }
    }

    private static func readKeyLines(path: String) throws -> [String] {
        var keys: [String] = []
        for (number, line) in try lines(path: path) {
            let value =
                line.hasPrefix("public-key")
                ? line.split(separator: "=", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                : line
            guard isZ85Key(value) else {
                throw CurveKeyError(
                    "\(path):\(number): expected a 40-character Z85 public key, found '\(line.prefix(60))'")
            }
            keys.append(value)
        }
        return keys
    }

    private static func readFields(path: String) throws -> [String: String] {
        var fields: [String: String] = [:]
        for (number, line) in try lines(path: path) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, ["public-key", "secret-key"].contains(parts[0]), isZ85Key(parts[1]) else {
                throw CurveKeyError(
                    "\(path):\(number): expected 'public-key = <40 characters>' or 'secret-key = <40 characters>'")
            }
            fields[parts[0]] = parts[1]
        }
        return fields
    }

    /// Non-empty lines that are not comments, with their line numbers.
    private static func lines(path: String) throws -> [(Int, String)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CurveKeyError("\(path): cannot read: \((error as NSError).localizedDescription)")
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            return line.isEmpty || line.hasPrefix("#") ? nil : (index + 1, line)
        }
    }

    private static func writeFile(_ path: String, _ text: String, mode: mode_t) throws {
        // Create with the final mode from the start, so a secret is never readable by others.
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CurveKeyError("\(path): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, mode)
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw CurveKeyError("\(path): cannot write: \(String(cString: strerror(errno)))")
        }
    }
}

extension ZeroMQ {
    /// Whether `text` is a Z85 CURVE key: 40 characters of Z85's alphabet that decode to 32 bytes.
    static func isCurveKey(_ text: String) -> Bool {
        guard CurveKeyFile.isZ85Key(text) else { return false }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, text) != nil
    }

    /// The public key of a Z85 secret key.
    static func curvePublicKey(fromSecret secret: String, path: String) throws -> String {
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secret) == 0 else {
            throw CurveKeyError("\(path): the secret key is not a valid Z85 CURVE key")
        }
        return String(decoding: publicKey.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Z85 text of binary data whose length is a multiple of 4 (a 32-byte key gives 40 characters).
    static func z85Encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&text, bytes, bytes.count) != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
