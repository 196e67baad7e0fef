// Filled in by the ZeroMQ wrapper work.
