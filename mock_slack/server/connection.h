// Resetting the connection a request arrived on, from inside its handler,
// for the "drop" and "hang" faults. cpp-httplib gives handlers no socket, so
// the socket is found by its address pair (or from the TLS session).
#ifndef MOCK_SLACK_SERVER_CONNECTION_H_
#define MOCK_SLACK_SERVER_CONNECTION_H_

#include <httplib.h>

namespace mock_slack {

// Resets the client's connection (RST, no HTTP answer). The descriptor stays
// open, pointing at an unconnected socket, so cpp-httplib's later write
// fails and its close() is still correct. Returns false if the socket was not
// found (the caller then answers normally).
bool ResetConnection(const httplib::Request& req);

}  // namespace mock_slack

#endif  // MOCK_SLACK_SERVER_CONNECTION_H_
