// A real worker daemon registering with the controller's registry service,
// and being declared lost when it is killed.

#include "controller/service/registry_service.h"

#include <thread>

#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/testing/process.h"

namespace nasprune::controller {
namespace {

using nasprune::testing::ChildProcess;
using nasprune::testing::FreePort;

template <typename F>
bool Eventually(F condition) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

TEST(RegistryService, AWorkerRegistersStaysAliveAndIsLostWhenKilled) {
  // Generous: a loaded machine may delay a heartbeat.
  WorkerPool pool({.heartbeat_interval = std::chrono::milliseconds(500),
                   .missed_heartbeats = 5});
  std::vector<WorkerPool::Lost> restarted;
  RegistryServiceImpl service(
      &pool, [&](const WorkerPool::Lost& lost) { restarted.push_back(lost); });
  const int port = FreePort();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                           grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  ChildProcess worker;
  const int worker_port = FreePort();
  ASSERT_TRUE(
      worker.Start({NASPRUNE_WORKER_BIN, "serve", "--listen",
                    "127.0.0.1:" + std::to_string(worker_port), "--controller",
                    "127.0.0.1:" + std::to_string(port), "--slots", "3",
                    "--evaluator", "synthetic", "--name", "w-registry"},
                   ::testing::TempDir() + "/registry-worker.log"));
  ASSERT_TRUE(Eventually([&] { return pool.total_slots() == 3; }))
      << worker.Log();
  EXPECT_EQ(pool.Workers(), (std::vector<std::string>{"w-registry"}));
  const auto slot = pool.Acquire("job/0");
  ASSERT_TRUE(slot.has_value());
  EXPECT_EQ(slot->address, "127.0.0.1:" + std::to_string(worker_port));

  // Heartbeats keep it: nothing expires over several intervals.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_TRUE(pool.Expire().empty());

  worker.Kill(SIGKILL);
  std::vector<WorkerPool::Lost> lost;
  ASSERT_TRUE(Eventually([&] {
    for (auto& l : pool.Expire()) lost.push_back(l);
    return !lost.empty();
  }));
  EXPECT_EQ(lost[0].worker, "w-registry");
  EXPECT_EQ(lost[0].trial_ids, (std::vector<std::string>{"job/0"}));
  EXPECT_TRUE(restarted.empty());
  server->Shutdown();
}

}  // namespace
}  // namespace nasprune::controller
