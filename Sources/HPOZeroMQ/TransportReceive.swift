import HPOWire

extension ZeroMQSocket {
    /// The receive step both transports share: wait for this socket or the waker (draining a
    /// wake-up), then take the messages already queued, without blocking, up to `limit`.
    func receiveBatch(waker: Waker, timeoutMilliseconds: Int32, limit: Int) throws -> [Frames] {
        let ready = try ZeroMQ.poll(
            [.socket(self), .fileDescriptor(waker.fileDescriptor)],
            timeoutMilliseconds: Int(timeoutMilliseconds))
        if ready[1] { waker.drain() }
        var batch: [Frames] = []
        while batch.count < limit, let frames = try receive(dontWait: true) {
            batch.append(frames)
        }
        return batch
    }
}
