/// The head of an HTTP/1.x request, parsed strictly and within bounds: what a metrics endpoint
/// needs (method and path) and nothing more. Anything else is a 4xx, never a trap.
package struct HTTPRequestHead: Equatable, Sendable {
    package var method: String
    /// The request target without its query string.
    package var path: String

    package init(method: String, path: String) {
        self.method = method
        self.path = path
    }

    /// The bounds a request must keep.
    package struct Limits: Sendable {
        /// Bytes of the whole head (request line and headers, with the blank line).
        package var maxHeadBytes = 8 * 1024
        package var maxHeaders = 64
        package init() {}
    }

    /// Why a head was refused, with the status to answer.
    package enum Refusal: Error, Equatable, Sendable {
        case malformed(String)
        case tooLarge
        case tooManyHeaders
        case unsupportedVersion

        package var status: HTTPStatus {
            switch self {
            case .malformed: .badRequest
            case .tooLarge, .tooManyHeaders: .headersTooLarge
            case .unsupportedVersion: .versionNotSupported
            }
        }
    }

    /// What `buffer` holds so far: a complete head, or more bytes are needed, or a refusal.
    package enum Outcome: Equatable, Sendable {
        case complete(HTTPRequestHead)
        case needMore
        case refused(Refusal)
    }

    /// Parses the head at the start of `buffer` (bytes as received). Lines end in CRLF (a bare
    /// LF is accepted, as RFC 9112 allows); the head ends at the first empty line.
    package static func parse(_ buffer: [UInt8], limits: Limits = Limits()) -> Outcome {
        guard let end = headEnd(buffer) else {
            return buffer.count >= limits.maxHeadBytes ? .refused(.tooLarge) : .needMore
        }
        guard end <= limits.maxHeadBytes else { return .refused(.tooLarge) }
        var lines = buffer[..<end].split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return .refused(.malformed("empty request")) }
        let headers = lines.dropFirst()
        guard headers.count <= limits.maxHeaders else { return .refused(.tooManyHeaders) }
        for header in headers {
            // A field line is `name: value`; a name is a token (no space before the colon), and
            // obsolete line folding (a line starting with whitespace) is refused (RFC 9112 5.2).
            guard let colon = header.firstIndex(of: 0x3A), colon > header.startIndex,
                header[header.startIndex..<colon].allSatisfy(isTokenByte)
            else { return .refused(.malformed("bad header line")) }
        }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte), !parts[1].isEmpty,
            parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return .refused(.malformed("bad request line")) }
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/") else { return .refused(.malformed("bad request line")) }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { return .refused(.unsupportedVersion) }
        let target = String(decoding: parts[1], as: UTF8.self)
        let path =
            target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
            ?? target
        return .complete(HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self), path: path))
    }

    /// The index just past the blank line that ends the head (CRLFCRLF or LFLF), if there is one.
    static func headEnd(_ buffer: [UInt8]) -> Int? {
        var index = 0
        while index < buffer.count {
            if buffer[index] == 0x0A {
                if index + 1 < buffer.count, buffer[index + 1] == 0x0A { return index + 2 }
                if index + 2 < buffer.count, buffer[index + 1] == 0x0D, buffer[index + 2] == 0x0A { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// RFC 9110 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}

/// The statuses the metrics endpoint answers with.
package enum HTTPStatus: Int, Sendable {
    case ok = 200
    case badRequest = 400
    case notFound = 404
    case methodNotAllowed = 405
    case requestTimeout = 408
    case headersTooLarge = 431
    case serviceUnavailable = 503
    case versionNotSupported = 505

    package var reason: String {
        switch self {
        case .ok: "OK"
        case .badRequest: "Bad Request"
        case .notFound: "Not Found"
        case .methodNotAllowed: "Method Not Allowed"
        case .requestTimeout: "Request Timeout"
        case .headersTooLarge: "Request Header Fields Too Large"
        case .serviceUnavailable: "Service Unavailable"
        case .versionNotSupported: "HTTP Version Not Supported"
        }
    }
}
