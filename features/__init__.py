"""Raw sources -> validated tables -> identity -> unified profile -> Feast."""
