import HPORuntime
import HPOWire

extension ZeroMQSocket {
    /// The receive step both transports share: wait for this socket or the waker (draining a
    /// wake-up), then take the messages already queued, without blocking, up to `limit`.
    /// `alsoPolling`: sockets whose readiness should also end the wait (the caller serves them).
    func receiveBatch(waker: Waker, timeoutMilliseconds: Int32, limit: Int, alsoPolling others: [ZeroMQSocket] = [])
        throws -> [Frames]
    {
        try receiveBatch(
            waker: waker, timeoutMilliseconds: timeoutMilliseconds, limit: limit, alsoPolling: others, property: nil
        ).map(\.frames)
    }

    /// The same, with one metadata `property` of each message (see `receive(dontWait:property:)`).
    func receiveBatch(
        waker: Waker, timeoutMilliseconds: Int32, limit: Int, alsoPolling others: [ZeroMQSocket], property: String?
    ) throws -> [(frames: Frames, property: String?)] {
        let ready = try ZeroMQ.poll(
            [.socket(self), .fileDescriptor(waker.fileDescriptor)] + others.map { .socket($0) },
            timeoutMilliseconds: Int(timeoutMilliseconds))
        if ready[1] { waker.drain() }
        var batch: [(frames: Frames, property: String?)] = []
        while batch.count < limit, let message = try receive(dontWait: true, property: property) {
            batch.append(message)
        }
        return batch
    }
}
