import Foundation
import HPOCore
import HPOJSON

/// Protocol v1 framing (see docs/protocol.md): every message is two frames,
/// `["hpo/1", <JSON object with a "type" field>]`.
package enum WireCodec {
    package static let protocolName = "hpo"
    package static let version = 1
    package static let header = Array("\(protocolName)/\(version)".utf8)

    package static func encode(_ message: WorkerMessage) -> Frames {
        // The messages of every trial are written by hand (the same bytes), the rest by JSONEncoder.
        if let body = WireFastPath.encode(message) { return [header, body] }
        return encodeWithCodable(message)
    }

    package static func encode(_ message: CoordinatorMessage) -> Frames {
        if let body = WireFastPath.encode(message) { return [header, body] }
        return encodeWithCodable(message)
    }

    /// Decodes a message from a worker and applies `WireLimits` to it (`WireBounds.checked`).
    package static func decodeWorkerMessage(_ frames: Frames) throws(WireError) -> WorkerMessage {
        try checkBodySize(frames)
        // The messages of every trial are read by hand; anything else, or anything unusual, by
        // JSONDecoder, which also words the error of a malformed message.
        if frames.count == 2, frames[0] == header, let message = WireFastPath.decodeWorkerMessage(frames[1]) {
            return try WireBounds.checked(message)
        }
        return try decodeWorkerMessageWithCodable(frames)
    }

    /// Decodes a message from the coordinator and applies `WireLimits` to it (`WireBounds.checked`).
    package static func decodeCoordinatorMessage(_ frames: Frames) throws(WireError) -> CoordinatorMessage {
        try checkBodySize(frames)
        if frames.count == 2, frames[0] == header, let message = WireFastPath.decodeCoordinatorMessage(frames[1]) {
            return try WireBounds.checked(message)
        }
        return try decodeCoordinatorMessageWithCodable(frames)
    }

    /// A body past `WireLimits.maxBodyBytes` is not even parsed.
    private static func checkBodySize(_ frames: Frames) throws(WireError) {
        if let body = frames.last, frames.count == 2, body.count > WireLimits.maxBodyBytes {
            throw WireError.outOfBounds(
                type: "message", "body of \(body.count) bytes, more than \(WireLimits.maxBodyBytes)")
        }
    }

    // MARK: - The Codable path (every message; the reference for the fast path)

    static func encodeWithCodable(_ message: WorkerMessage) -> Frames {
        switch message {
        case .hello(let body): frames("hello", body)
        case .heartbeat: frames("heartbeat", Empty())
        case .report(let body): frames("report", body)
        case .result(let body): frames("result", body)
        case .bye(let reason): frames("bye", Reason(reason: reason))
        case .checkpointChunk(let body): frames("checkpoint_chunk", body)
        case .resumeAck(let body): frames("resume_ack", body)
        case .drain(let body): frames("drain", body)
        case .checkpointShared(let body): frames("checkpoint_shared", body)
        }
    }

    static func encodeWithCodable(_ message: CoordinatorMessage) -> Frames {
        switch message {
        case .welcome(let body): frames("welcome", body)
        case .assign(let body): frames("assign", body)
        case .ack(let key): frames("ack", key)
        case .heartbeat: frames("heartbeat", Empty())
        case .reregister(let reason): frames("reregister", Reason(reason: reason))
        case .refuse(let reason): frames("refuse", Reason(reason: reason))
        case .shutdown(let reason): frames("shutdown", Reason(reason: reason))
        case .stop(let body): frames("stop", body)
        case .checkpointAck(let body): frames("checkpoint_ack", body)
        case .resumeChunk(let body): frames("resume_chunk", body)
        case .resumeShared(let body): frames("resume_shared", body)
        }
    }

    static func decodeWorkerMessageWithCodable(_ frames: Frames) throws(WireError) -> WorkerMessage {
        try WireBounds.checked(decodeWorkerMessageUnchecked(frames))
    }

    static func decodeCoordinatorMessageWithCodable(_ frames: Frames) throws(WireError) -> CoordinatorMessage {
        try WireBounds.checked(decodeCoordinatorMessageUnchecked(frames))
    }

    private static func decodeWorkerMessageUnchecked(_ frames: Frames) throws(WireError) -> WorkerMessage {
        let (type, body) = try split(frames)
        switch type {
        case "hello": return .hello(try decode(Hello.self, type, body))
        case "heartbeat": return .heartbeat
        case "report": return .report(try decode(ReportMessage.self, type, body))
        case "result": return .result(try decode(ResultMessage.self, type, body))
        case "bye": return .bye(reason: try decode(Reason.self, type, body).reason)
        case "checkpoint_chunk": return .checkpointChunk(try decode(CheckpointChunk.self, type, body))
        case "resume_ack": return .resumeAck(try decode(ChunkAck.self, type, body))
        case "drain": return .drain(try decode(DrainMessage.self, type, body))
        case "checkpoint_shared": return .checkpointShared(try decode(SharedCheckpoint.self, type, body))
        default: throw WireError.unknownType(type)
        }
    }

    private static func decodeCoordinatorMessageUnchecked(_ frames: Frames) throws(WireError) -> CoordinatorMessage {
        let (type, body) = try split(frames)
        switch type {
        case "welcome": return .welcome(try decode(Welcome.self, type, body))
        case "assign": return .assign(try decode(Assignment.self, type, body))
        case "ack": return .ack(try decode(TrialKey.self, type, body))
        case "heartbeat": return .heartbeat
        case "reregister": return .reregister(reason: try decode(Reason.self, type, body).reason)
        case "refuse": return .refuse(reason: try decode(Reason.self, type, body).reason)
        case "shutdown": return .shutdown(reason: try decode(Reason.self, type, body).reason)
        case "stop": return .stop(try decode(StopMessage.self, type, body))
        case "checkpoint_ack": return .checkpointAck(try decode(ChunkAck.self, type, body))
        case "resume_chunk": return .resumeChunk(try decode(CheckpointChunk.self, type, body))
        case "resume_shared": return .resumeShared(try decode(SharedCheckpoint.self, type, body))
        default: throw WireError.unknownType(type)
        }
    }

    // MARK: - Frames and JSON

    private struct Empty: Codable {}
    private struct Reason: Codable { var reason: String }
    private struct TypeTag: Decodable { var type: String }

    /// The body with its `type` tag added: the tag is written first so a line reads well in a capture.
    private struct Tagged<Body: Encodable>: Encodable {
        var type: String
        var body: Body
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: AnyKey.self)
            try container.encode(type, forKey: AnyKey("type"))
            try body.encode(to: encoder)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private static func frames(_ type: String, _ body: some Encodable) -> Frames {
        // Encoding our own value types cannot fail: every float is finite or mapped to a string.
        let json = (try? makeEncoder().encode(Tagged(type: type, body: body))) ?? Data("{}".utf8)
        return [header, Array(json)]
    }

    private static func split(_ frames: Frames) throws(WireError) -> (String, Data) {
        guard frames.count == 2 else { throw WireError.malformed("expected 2 frames, got \(frames.count)") }
        guard frames[0] == header else {
            let tag = String(decoding: frames[0].prefix(32), as: UTF8.self)
            if tag.hasPrefix("\(protocolName)/") {
                throw WireError.unsupportedVersion(tag)
            }
            throw WireError.malformed("first frame is not a protocol tag (\"\(tag)\")")
        }
        let body = Data(frames[1])
        guard let tag = try? makeDecoder().decode(TypeTag.self, from: body) else {
            throw WireError.malformed("body is not a JSON object with a string \"type\"")
        }
        return (tag.type, body)
    }

    private static func decode<T: Decodable>(_: T.Type, _ type: String, _ body: Data) throws(WireError) -> T {
        do {
            return try makeDecoder().decode(T.self, from: body)
        } catch {
            throw WireError.malformed("invalid \"\(type)\" message: \(describe(error))")
        }
    }

    static func makeEncoder() -> JSONEncoder { JSONCoding.makeEncoder() }

    static func makeDecoder() -> JSONDecoder { JSONCoding.makeDecoder() }

    static func describe(_ error: any Error) -> String { JSONCoding.describe(error) }
}

/// Why a message on the wire could not be decoded. The receiver drops the message and logs this.
package enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The peer speaks another version of the protocol (the tag it sent).
    case unsupportedVersion(String)
    /// A message type this version does not know.
    case unknownType(String)
    /// Wrong frame count, not JSON, a missing or mistyped field.
    case malformed(String)
    /// A well-formed message of this type with a field out of `WireLimits`: why.
    case outOfBounds(type: String, String)

    package var description: String {
        switch self {
        case .unsupportedVersion(let tag):
            "unsupported protocol version \"\(tag)\" (this side speaks \(WireCodec.protocolName)/\(WireCodec.version))"
        case .unknownType(let type): "unknown message type \"\(type)\""
        case .malformed(let reason): "malformed message: \(reason)"
        case .outOfBounds(let type, let reason): "\"\(type)\" message out of bounds: \(reason)"
        }
    }
}
