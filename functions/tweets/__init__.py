"""The tweets Service: composing and deleting tweets, threads, likes and retweets."""
