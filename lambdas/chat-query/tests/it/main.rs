//! chat-query against the local AWS (moto with the project's extensions): the handler is called
//! with API Gateway payload 2.0 events, every AWS call it makes goes to the server on 127.0.0.1.

mod api;
mod cost;
mod fanout;
mod faults;
mod harness;
mod packaged;
