import HPOWire

extension ZeroMQSocket {
    /// The receive step both transports share: wait for this socket or the waker (draining a
    /// wake-up), then take the messages already queued, without blocking, up to `limit`.
    /// `alsoPolling`: sockets whose readiness should also end the wait (the caller serves them).
    func receiveBatch(waker: Waker, timeoutMilliseconds: Int32, limit: Int, alsoPolling others: [ZeroMQSocket] = []) throws -> [Frames] {
        let ready = try ZeroMQ.poll(
            [.socket(self), .fileDescriptor(waker.fileDescriptor)] + others.map { .socket($0) },
            timeoutMilliseconds: Int(timeoutMilliseconds))
        if ready[1] { waker.drain() }
        var batch: [Frames] = []
        while batch.count < limit, let frames = try receive(dontWait: true) {
            batch.append(frames)
        }
        return batch
    }
}
