import CZeroMQ

/// Library-wide facts and helpers of libzmq.
package enum ZeroMQ {
    /// The version of the linked libzmq.
    package static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq was built with a capability: "curve", "ipc", "gssapi", "draft", …
    package static func has(_ capability: String) -> Bool {
        zmq_has(capability) == 1
    }

    /// A new CURVE key pair, each key Z85-encoded (40 characters).
    package static func curveKeyPair() throws -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else {
            throw ZeroMQError.last("zmq_curve_keypair")
        }
        return (z85String(publicKey), z85String(secretKey))
    }

    /// The text of a NUL-terminated Z85 buffer.
    private static func z85String(_ buffer: [CChar]) -> String {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
